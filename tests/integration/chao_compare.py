#!/usr/bin/env python3
"""chao_compare.py PH_PARSE_JSON TSHARK_FIELDS: cross-checks `ph-parse chao` with Wireshark.

TSHARK_FIELDS is the output of (Wireshark 4.0 files the inner EtherType of an 802.1ad tag
under ieee8021ah.etype)
  tshark -r FILE -T fields -E separator='|' -e frame.number -e eth.dst -e eth.src
         -e eth.type -e ieee8021ad.id -e ieee8021ah.etype -e vlan.id -e vlan.etype -e data.data
For every frame ph-parse decoded, Wireshark must show the same addresses, VLAN ids (802.1ad
S-tags, then 802.1Q C-tags, outermost first), inner EtherType, and payload bytes: for a
native frame the CHAO/1 header (magic, version, type, seq, length), the body and as many
padding bytes as ph-parse counted; for a bare frame the message after the 14 bytes that
Wireshark reads as an Ethernet header. Frames ph-parse rejected only need to be there.
Prints one line per mismatch and a count; exits 1 on any mismatch.
"""
import base64
import json
import sys

TYPES = {"request": 1, "reply": 2, "error": 3}


def last(field):
    return field.split(",")[-1] if field else ""


def compare(ours, theirs):
    problems = []
    (num, dst, src, eth_type, ad_ids, ad_etype, vlan_ids, vlan_etype, data) = theirs
    if ours.get("dst") != dst or ours.get("src") != src:
        problems.append("addresses %s>%s vs %s>%s" % (ours.get("src"), ours.get("dst"), src, dst))
    payload = bytes.fromhex(data.replace(":", ""))
    body = base64.b64decode(ours["body_base64"])
    if ours["framing"] == "bare":
        if int(eth_type, 16) != int(ours["ethertype"], 16):
            problems.append("ethertype %s vs %s" % (ours["ethertype"], eth_type))
        if payload != body[10:]:
            problems.append("bare message bytes differ")
        return problems
    ids = [int(v) for v in (ad_ids.split(",") if ad_ids else []) + (vlan_ids.split(",") if vlan_ids else [])]
    if ids != ours["vlan"]:
        problems.append("vlan %s vs %s" % (ours["vlan"], ids))
    inner = last(vlan_etype) or last(ad_etype) or eth_type
    if int(inner, 16) != int(ours["ethertype"], 16):
        problems.append("ethertype %s vs %s" % (ours["ethertype"], inner))
    header = b"CHAO" + bytes([ours["version"], TYPES[ours["type"]]]) + \
        ours["seq"].to_bytes(2, "big") + ours["length"].to_bytes(2, "big")
    if payload[:10] != header:
        problems.append("header %s vs %s" % (header.hex(), payload[:10].hex()))
    if payload[10:10 + ours["length"]] != body:
        problems.append("body differs")
    if len(payload) - 10 - ours["length"] != ours["padding"]:
        problems.append("padding %d vs %d" % (ours["padding"], len(payload) - 10 - ours["length"]))
    return problems


def main():
    ours = {}
    for line in open(sys.argv[1]):
        f = json.loads(line)
        ours[f["frame"]] = f
    theirs = {}
    for line in open(sys.argv[2]):
        fields = line.rstrip("\n").split("|")
        theirs[int(fields[0])] = fields
    bad = checked = 0
    for num, f in sorted(ours.items()):
        if num not in theirs:
            print("frame %d: not in tshark's output" % num)
            bad += 1
            continue
        if f["result"] != "ok" or "dst" not in f:
            continue
        problems = compare(f, theirs[num])
        checked += 1
        for p in problems:
            print("frame %d (%s): %s" % (num, f["framing"], p))
        bad += bool(problems)
    if len(theirs) != len(ours):
        print("frames: ph-parse %d, tshark %d" % (len(ours), len(theirs)))
        bad += 1
    print("compared %d decoded frames of %d with tshark: %d mismatched" % (checked, len(ours), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
