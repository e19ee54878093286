#!/bin/sh
# embed.sh NAME FILE — FILE's bytes as a C array NAME, 16-byte aligned (a
# CUDA fatbin must be 8): the build's copy of lib/cuda/decode.cu's kernels.
set -e
printf '/* Generated from %s by build-aux/embed.sh; not edited. */\n' "$2"
printf 'extern const unsigned char %s[];\n' "$1"
printf 'const unsigned char %s[] __attribute__((aligned(16))) = {\n' "$1"
od -An -v -tx1 "$2" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e '/^$/d'
printf '};\n'
