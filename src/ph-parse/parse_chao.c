/* ph-parse chao: a pcap (read with libpcap) or one raw frame in, one JSON line per frame
 * out (docs/chao.md). */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chao/chao.h"
#include "ph_parse.h"
#include "util/file_io.h"
#include "util/byte_buf.h"
#include "util/json_writer.h"

enum input_kind {
    INPUT_GUESS = 0, /* a pcap or pcapng file by its magic number, else one raw frame */
    INPUT_RAW,       /* one link-layer frame */
    INPUT_DATAGRAM,  /* one UDP payload */
};

static void json_mac(struct byte_buf *b, const char *key, const uint8_t mac[CHAO_MAC_LEN])
{
    byte_buf_printf(b, ",\"%s\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", key, mac[0], mac[1], mac[2],
                    mac[3], mac[4], mac[5]);
}

static void json_vlans(struct byte_buf *b, const struct chao_frame *f)
{
    bool any_stag = false;
    byte_buf_puts(b, ",\"vlan\":[");
    for (size_t i = 0; i < f->num_vlan; i++) {
        byte_buf_printf(b, i ? ",%u" : "%u", f->vlan[i].vid);
        any_stag |= f->vlan[i].tpid != CHAO_TPID_CTAG;
    }
    byte_buf_putc(b, ']');
    if (!any_stag)
        return;
    byte_buf_puts(b, ",\"vlan_tpid\":[");
    for (size_t i = 0; i < f->num_vlan; i++)
        byte_buf_printf(b, i ? ",\"0x%04x\"" : "\"0x%04x\"", f->vlan[i].tpid);
    byte_buf_putc(b, ']');
}

static void json_frame(struct byte_buf *b, size_t index, const struct chao_frame *f)
{
    byte_buf_printf(b, "{\"result\":\"ok\",\"frame\":%zu,\"framing\":\"%s\"", index,
                    chao_framing_name(f->framing));
    if (f->has_ethernet) {
        json_mac(b, "dst", f->dst);
        json_mac(b, "src", f->src);
        if (f->framing == CHAO_FRAMING_NATIVE)
            json_vlans(b, f);
        byte_buf_printf(b, ",\"ethertype\":\"0x%04x\"", f->ethertype);
    }
    if (f->framing != CHAO_FRAMING_BARE)
        byte_buf_printf(b, ",\"version\":%u,\"type\":\"%s\",\"seq\":%u", f->version,
                        chao_type_name(f->type), f->seq);
    byte_buf_printf(b, ",\"length\":%zu", f->body.len);
    if (f->framing == CHAO_FRAMING_NATIVE)
        byte_buf_printf(b, ",\"padding\":%zu", f->padding.len);
    byte_buf_puts(b, ",\"body_base64\":");
    json_buf_base64(b, f->body.ptr, f->body.len);
    byte_buf_puts(b, "}\n");
}

static void json_error(struct byte_buf *b, size_t index, const struct chao_frame *f)
{
    byte_buf_printf(b, "{\"result\":\"error\",\"frame\":%zu,\"error\":\"%s\",\"offset\":%zu,",
                    index, chao_error_name(f->error), f->error_offset);
    byte_buf_puts(b, "\"message\":");
    json_buf_string(b, chao_strerror(f->error));
    byte_buf_puts(b, "}\n");
}

/* Decodes and prints one frame; returns whether it decoded. */
static bool parse_one(size_t index, const uint8_t *buf, size_t len, bool datagram)
{
    struct chao_frame f;
    struct byte_buf line = {0};
    enum ph_status st =
        datagram ? chao_decode_datagram(buf, len, &f) : chao_decode_frame(buf, len, &f);
    if (st != PH_OK)
        json_error(&line, index, &f);
    else
        json_frame(&line, index, &f);
    if (line.failed)
        fprintf(stderr, "ph-parse: frame %zu: out of memory\n", index);
    else
        fwrite(line.data, 1, line.len, stdout);
    byte_buf_free(&line);
    return st == PH_OK;
}

/* The magic numbers of pcap (both byte orders, micro- and nanosecond) and pcapng. */
static bool looks_like_capture(const uint8_t *data, size_t len)
{
    static const uint8_t magics[][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, {0x4d, 0x3c, 0xb2, 0xa1},
        {0xa1, 0xb2, 0x3c, 0x4d}, {0x0a, 0x0d, 0x0d, 0x0a},
    };
    if (len < 4)
        return false;
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
        if (memcmp(data, magics[i], 4) == 0)
            return true;
    }
    return false;
}

/* --write-frames DIR: each frame of a capture as a file of its own, so a pcap becomes
 * test cases (ci/fuzz.sh --import). Returns false after a message. */
static bool write_frame(const char *dir, size_t index, const uint8_t *bytes, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/frame-%06zu", dir, index);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "ph-parse: %s: %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

/* Every frame of a capture read from file (NULL: opening it failed, errno says why; it is
 * closed here), decoded in order; going on after errors. A frame cut short by the
 * capture's snap length is decoded as captured (it will say where it ends). */
static int parse_capture(const char *path, FILE *file, const char *frames_dir)
{
    if (file == NULL) {
        fprintf(stderr, "ph-parse: %s: %s\n", path, strerror(errno));
        return PH_PARSE_EXIT_IO;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline(file, errbuf);
    if (p == NULL) {
        fprintf(stderr, "ph-parse: %s: %s\n", path, errbuf);
        fclose(file);
        return PH_PARSE_EXIT_IO;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        fprintf(stderr, "ph-parse: %s: link type %s, not Ethernet\n", path,
                pcap_datalink_val_to_name(pcap_datalink(p)));
        pcap_close(p);
        return PH_PARSE_EXIT_IO;
    }
    struct pcap_pkthdr *hdr;
    const u_char *bytes;
    size_t index = 0;
    bool all_ok = true;
    int rc;
    while ((rc = pcap_next_ex(p, &hdr, &bytes)) == 1) {
        all_ok &= parse_one(++index, bytes, hdr->caplen, false);
        if (frames_dir != NULL && !write_frame(frames_dir, index, bytes, hdr->caplen)) {
            pcap_close(p);
            return PH_PARSE_EXIT_IO;
        }
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "ph-parse: %s: %s\n", path, pcap_geterr(p));
        pcap_close(p);
        return PH_PARSE_EXIT_IO;
    }
    pcap_close(p);
    return all_ok ? PH_PARSE_EXIT_OK : PH_PARSE_EXIT_ERROR;
}

static int usage(void)
{
    fputs("usage: ph-parse chao [--raw | --datagram | --write-frames DIR] FILE\n", stderr);
    return PH_PARSE_EXIT_USAGE;
}

int ph_parse_chao(int argc, char **argv)
{
    enum input_kind kind = INPUT_GUESS;
    const char *frames_dir = NULL;
    if (argc == 2 && strcmp(argv[0], "--raw") == 0)
        kind = INPUT_RAW;
    else if (argc == 2 && strcmp(argv[0], "--datagram") == 0)
        kind = INPUT_DATAGRAM;
    else if (argc == 3 && strcmp(argv[0], "--write-frames") == 0)
        frames_dir = argv[1];
    else if (argc != 1)
        return usage();
    const char *path = argv[argc - 1];

    int fd = file_open_input(path);
    if (fd < 0) {
        fprintf(stderr, "ph-parse: %s: %s\n", path, strerror(errno));
        return PH_PARSE_EXIT_IO;
    }
    /* A capture in a file is read by libpcap a record at a time, never whole (it may be
     * larger than memory): its magic number is peeked at without moving the offset. */
    uint8_t magic[4];
    ssize_t peeked = kind == INPUT_GUESS ? pread(fd, magic, sizeof(magic), 0) : -1;
    if (peeked > 0 && looks_like_capture(magic, (size_t)peeked)) {
        int rc = parse_capture(path, fdopen(fd, "rb"), frames_dir);
        return fflush(stdout) != 0 ? PH_PARSE_EXIT_IO : rc;
    }
    /* One frame, or input that cannot be peeked at (a pipe): read it whole. */
    uint8_t *data;
    size_t len;
    int read_rc = file_read_fd(fd, &data, &len);
    int saved = errno;
    if (fd != STDIN_FILENO)
        close(fd);
    if (read_rc != 0) {
        fprintf(stderr, "ph-parse: %s: %s\n", path, strerror(saved));
        return PH_PARSE_EXIT_IO;
    }
    int rc;
    if (kind == INPUT_GUESS && looks_like_capture(data, len)) {
        rc = parse_capture(path, fmemopen(data, len, "rb"), frames_dir);
    } else if (frames_dir != NULL) {
        fprintf(stderr, "ph-parse: %s: --write-frames takes a pcap or pcapng file\n", path);
        rc = PH_PARSE_EXIT_USAGE;
    } else
        rc = parse_one(1, data, len, kind == INPUT_DATAGRAM) ? PH_PARSE_EXIT_OK
                                                             : PH_PARSE_EXIT_ERROR;
    free(data);
    if (fflush(stdout) != 0)
        return PH_PARSE_EXIT_IO;
    return rc;
}
