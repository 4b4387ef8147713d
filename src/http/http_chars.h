/*
 * Character classes of the HTTP grammar, as 256-entry tables (non-zero = member).
 * Internal to src/http/.
 */
#ifndef HTTP_CHARS_H
#define HTTP_CHARS_H

#include <stdint.h>

/* RFC 9110 5.6.2: tchar, the characters of a token. */
extern const uint8_t http_tchar[256];

/* RFC 3986 3.3/3.4: pchar, "/" and "?", without "%" (pct-encoded is checked apart). */
extern const uint8_t http_target_char[256];

/* RFC 3986 3.2: reg-name and IP-literal characters (unreserved, sub-delims, ":", "[", "]"),
 * plus "@" for userinfo, without "%". */
extern const uint8_t http_authority_char[256];

/* RFC 3986 3.2.2: reg-name characters (unreserved, sub-delims), without "%" (pct-encoded
 * is checked apart). */
extern const uint8_t http_reg_name_char[256];

/* RFC 9110 5.5: field-vchar (VCHAR / obs-text), SP and HTAB. */
extern const uint8_t http_value_char[256];

/* HEXDIG: its value plus one, 0 for a non-digit. */
extern const uint8_t http_hex_value[256];

#endif
