#include "http.h"

/* All three come from the one HTTP_ERRORS table in http.h, so an error cannot exist
 * without its name, message and status. */

const char *http_strerror(enum http_error error)
{
    switch (error) {
#define HTTP_ERROR_MESSAGE(name, status, message) \
    case HTTP_ERR_##name:                         \
        return message;
        HTTP_ERRORS(HTTP_ERROR_MESSAGE)
#undef HTTP_ERROR_MESSAGE
    }
    return "unknown error";
}

const char *http_error_name(enum http_error error)
{
    switch (error) {
#define HTTP_ERROR_NAME(name, status, message) \
    case HTTP_ERR_##name:                      \
        return #name;
        HTTP_ERRORS(HTTP_ERROR_NAME)
#undef HTTP_ERROR_NAME
    }
    return "UNKNOWN";
}

int http_error_status(enum http_error error)
{
    switch (error) {
#define HTTP_ERROR_STATUS(name, status, message) \
    case HTTP_ERR_##name:                        \
        return status;
        HTTP_ERRORS(HTTP_ERROR_STATUS)
#undef HTTP_ERROR_STATUS
    }
    return 400;
}
