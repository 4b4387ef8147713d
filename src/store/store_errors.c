#include "store.h"

const char *store_strerror(enum store_error error)
{
    switch (error) {
#define STORE_ERROR_MESSAGE(name, message) \
    case STORE_ERR_##name:                 \
        return message;
        STORE_ERRORS(STORE_ERROR_MESSAGE)
#undef STORE_ERROR_MESSAGE
    }
    return "unknown error";
}

const char *store_error_name(enum store_error error)
{
    switch (error) {
#define STORE_ERROR_NAME(name, message) \
    case STORE_ERR_##name:              \
        return #name;
        STORE_ERRORS(STORE_ERROR_NAME)
#undef STORE_ERROR_NAME
    }
    return "UNKNOWN";
}

const char *store_kind_name(enum store_kind kind)
{
    switch (kind) {
    case STORE_KIND_QUEUE:
        return "queue";
    case STORE_KIND_CRASH:
        return "crash";
    case STORE_KIND_HANG:
        return "hang";
    }
    return "unknown";
}

const char *store_verdict_name(enum store_verdict verdict)
{
    switch (verdict) {
    case STORE_STORED:
        return "stored";
    case STORE_DUPLICATE:
        return "duplicate";
    case STORE_REJECTED:
        return "rejected";
    }
    return "unknown";
}
