#include "chao.h"

/* Both come from the one CHAO_ERRORS table in chao.h, so an error cannot exist without
 * its name and message; no default, so the compiler flags a new enumerator left out. */

const char *chao_strerror(enum chao_error error)
{
    switch (error) {
#define CHAO_ERROR_MESSAGE(name, message) \
    case CHAO_ERR_##name:                 \
        return message;
        CHAO_ERRORS(CHAO_ERROR_MESSAGE)
#undef CHAO_ERROR_MESSAGE
    }
    return "unknown error";
}

const char *chao_error_name(enum chao_error error)
{
    switch (error) {
#define CHAO_ERROR_NAME(name, message) \
    case CHAO_ERR_##name:              \
        return #name;
        CHAO_ERRORS(CHAO_ERROR_NAME)
#undef CHAO_ERROR_NAME
    }
    return "UNKNOWN";
}

const char *chao_framing_name(enum chao_framing framing)
{
    switch (framing) {
    case CHAO_FRAMING_NONE:
        return "none";
    case CHAO_FRAMING_BARE:
        return "bare";
    case CHAO_FRAMING_NATIVE:
        return "native";
    case CHAO_FRAMING_DATAGRAM:
        return "udp";
    }
    return "none";
}

const char *chao_type_name(enum chao_type type)
{
    switch (type) {
    case CHAO_TYPE_NONE:
        return "none";
    case CHAO_TYPE_REQUEST:
        return "request";
    case CHAO_TYPE_REPLY:
        return "reply";
    case CHAO_TYPE_ERROR:
        return "error";
    }
    return "none";
}
