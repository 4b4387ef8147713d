#include "ph_types.h"

const char *ph_status_name(enum ph_status status)
{
    switch (status) {
    case PH_OK:
        return "ok";
    case PH_INCOMPLETE:
        return "incomplete";
    case PH_REJECT:
        return "error";
    }
    return "unknown";
}
