#include "http_chars.h"

/* The tables use GNU range designators ([a ... b]); gcc and clang both accept them. */

#define HTTP_ALNUM ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1
#define HTTP_UNRESERVED HTTP_ALNUM, ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1
#define HTTP_SUB_DELIMS                                                                      \
    ['!'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, \
    [','] = 1, [';'] = 1, ['='] = 1

const uint8_t http_tchar[256] = {
    HTTP_ALNUM, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1,
    ['+'] = 1,  ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1,
};

const uint8_t http_target_char[256] = {
    HTTP_UNRESERVED, HTTP_SUB_DELIMS, [':'] = 1, ['@'] = 1, ['/'] = 1, ['?'] = 1,
};

const uint8_t http_authority_char[256] = {
    HTTP_UNRESERVED, HTTP_SUB_DELIMS, [':'] = 1, ['@'] = 1, ['['] = 1, [']'] = 1,
};

const uint8_t http_reg_name_char[256] = {
    HTTP_UNRESERVED,
    HTTP_SUB_DELIMS,
};

const uint8_t http_value_char[256] = {
    ['\t'] = 1,
    [0x20 ... 0x7e] = 1,
    [0x80 ... 0xff] = 1,
};

const uint8_t http_hex_value[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};
