#!/usr/bin/env python3
"""make_seeds.py: writes the fuzzing seed corpus, tests/fuzz/corpus/NAME/,
small valid and invalid inputs for each harness: config.json files shaped
like real ones, safetensors files and GGUF files; YAML profiles (some of
the shipped ones, renamed fuzz); catalogues of a few files; command lines.
Run from anywhere; it rewrites the seeds it owns and leaves other files
alone.  The GGUF layout follows ggml's docs/gguf.md: magic, version,
tensor count, key/value count, the key/values, the tensor infos, padding
to general.alignment (32), data."""
import json
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data")


def put(name, kind, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- config.json ----------------------------------------------------------

def configs():
    llama = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
             "hidden_size": 4096, "intermediate_size": 14336,
             "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 8, "max_position_embeddings": 131072,
             "rope_theta": 500000.0, "vocab_size": 128256,
             "rope_scaling": {"factor": 8.0, "rope_type": "llama3",
                              "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192},
             "torch_dtype": "bfloat16"}
    put("llama3-8b.json", "config", json.dumps(llama, indent=2))
    mistral = {"model_type": "mistral", "hidden_size": 4096,
               "num_hidden_layers": 32, "num_attention_heads": 32,
               "num_key_value_heads": 8, "sliding_window": 4096,
               "max_position_embeddings": 32768, "torch_dtype": "bfloat16"}
    put("mistral-7b.json", "config", json.dumps(mistral, indent=2))
    gemma3 = {"model_type": "gemma3", "architectures":
              ["Gemma3ForConditionalGeneration"],
              "text_config": {"model_type": "gemma3_text", "hidden_size": 2560,
                              "num_hidden_layers": 6, "num_attention_heads": 8,
                              "num_key_value_heads": 4, "head_dim": 256,
                              "sliding_window": 1024,
                              "layer_types": ["sliding_attention"] * 5 +
                              ["full_attention"]},
              "vision_config": {"hidden_size": 1152}, "torch_dtype": "bfloat16"}
    put("gemma3-4b.json", "config", json.dumps(gemma3, indent=2))
    deepseek = {"model_type": "deepseek_v3", "hidden_size": 7168,
                "num_hidden_layers": 61, "num_attention_heads": 128,
                "num_key_value_heads": 128, "kv_lora_rank": 512,
                "q_lora_rank": 1536, "qk_rope_head_dim": 64,
                "qk_nope_head_dim": 128, "v_head_dim": 128,
                "n_routed_experts": 256, "first_k_dense_replace": 3,
                "quantization_config": {"quant_method": "fp8",
                                        "weight_block_size": [128, 128]}}
    put("deepseek-v3.json", "config", json.dumps(deepseek, indent=2))
    qwen3_next = {"model_type": "qwen3_next", "hidden_size": 2048,
                  "num_hidden_layers": 48, "num_attention_heads": 16,
                  "num_key_value_heads": 2, "head_dim": 256,
                  "full_attention_interval": 4, "linear_conv_kernel_dim": 4,
                  "linear_key_head_dim": 128, "linear_value_head_dim": 128,
                  "linear_num_key_heads": 16, "linear_num_value_heads": 32}
    put("qwen3-next.json", "config", json.dumps(qwen3_next, indent=2))
    falcon = {"model_type": "falcon", "hidden_size": 4544, "n_head": 71,
              "n_layer": 32, "multi_query": True, "num_kv_heads": 8,
              "new_decoder_architecture": False}
    put("falcon-7b.json", "config", json.dumps(falcon))
    gpt2 = {"model_type": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768,
            "n_positions": 1024, "vocab_size": 50257}
    put("gpt2.json", "config", json.dumps(gpt2))
    put("unknown-type.json", "config",
        '{"model_type": "zzz", "num_hidden_layers": 2, "hidden_size": 64,'
        ' "num_attention_heads": 4, "num_key_value_heads": null}')
    put("duplicate-key.json", "config",
        '{"model_type": "llama", "num_hidden_layers": 2,'
        ' "num_hidden_layers": 3, "hidden_size": 64, "num_attention_heads": 4}')
    put("head-array.json", "config",
        '{"model_type": "llama", "num_hidden_layers": 3, "hidden_size": 64,'
        ' "num_attention_heads": [4, 4, 0], "num_key_value_heads": [2, 0, 2]}')
    put("not-object.json", "config", "[1, 2, 3]\n")
    put("truncated.json", "config", '{"model_type": "llama", "hidden_')
    put("empty.json", "config", "")


# ---- safetensors ------------------------------------------------------------

def safetensors(header, data_bytes, n=None):
    h = header.encode() if isinstance(header, str) else header
    return struct.pack("<Q", len(h) if n is None else n) + h + \
        b"\0" * data_bytes


def tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def safetensors_seeds():
    # An fp8 layer: F8_E4M3 [4, 8] = 32 B, its F32 scale [1, 1] = 4 B, a
    # BF16 norm [8] = 16 B: 52 B of data.
    fp8 = {"__metadata__": {"format": "pt"},
           "w": tensor("F8_E4M3", [4, 8], 0, 32),
           "w_scale_inv": tensor("F32", [1, 1], 32, 36),
           "norm": tensor("BF16", [8], 36, 52)}
    put("fp8.safetensors", "safetensors", safetensors(json.dumps(fp8), 52))
    sub = {"a": tensor("F4", [3, 2], 0, 3), "b": tensor("F6_E3M2", [4], 3, 6),
           "c": tensor("BOOL", [], 6, 7), "d": tensor("U64", [0, 3], 7, 7),
           "e": tensor("C64", [1], 7, 15), "f": tensor("F8_E8M0", [2], 15, 17)}
    put("sub-byte.safetensors", "safetensors",
        safetensors(json.dumps(sub), 17))
    put("empty.safetensors", "safetensors", safetensors("{}", 0))
    put("padded.safetensors", "safetensors",
        safetensors(json.dumps({"x": tensor("I32", [2], 0, 8)}) + "     ", 8))
    put("gap.safetensors", "safetensors", safetensors(json.dumps(
        {"a": tensor("U8", [4], 0, 4), "b": tensor("U8", [4], 6, 10)}), 10))
    put("overlap.safetensors", "safetensors", safetensors(json.dumps(
        {"a": tensor("U8", [4], 0, 4), "b": tensor("U8", [4], 2, 6)}), 6))
    put("bad-dtype.safetensors", "safetensors", safetensors(json.dumps(
        {"a": tensor("F7", [1], 0, 1)}), 1))
    put("shape-overflow.safetensors", "safetensors", safetensors(json.dumps(
        {"a": tensor("F32", [2**32, 2**32], 0, 4)}), 4))
    put("duplicate.safetensors", "safetensors", safetensors(
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
        '"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2))
    put("header-past-end.safetensors", "safetensors",
        safetensors("{}", 0, n=1000))
    put("header-over-cap.safetensors", "safetensors",
        safetensors("{}", 0, n=100000001))
    put("not-object.safetensors", "safetensors", safetensors("[1]", 0))
    put("short.safetensors", "safetensors", b"\x02\0\0")


# ---- GGUF ---------------------------------------------------------------

GGUF_U8, GGUF_I8, GGUF_U16, GGUF_I16, GGUF_U32, GGUF_I32, GGUF_F32, \
    GGUF_BOOL, GGUF_STRING, GGUF_ARRAY, GGUF_U64, GGUF_I64, GGUF_F64 = range(13)
SCALAR = {GGUF_U8: "<B", GGUF_I8: "<b", GGUF_U16: "<H", GGUF_I16: "<h",
          GGUF_U32: "<I", GGUF_I32: "<i", GGUF_F32: "<f", GGUF_BOOL: "<?",
          GGUF_U64: "<Q", GGUF_I64: "<q", GGUF_F64: "<d"}
# ggml types: (id, elements per block, bytes per block)
F32, F16, Q4_0, Q8_0 = (0, 1, 4), (1, 1, 2), (2, 32, 18), (8, 32, 34)


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gvalue(vtype, value):
    if vtype == GGUF_STRING:
        return gstr(value)
    if vtype == GGUF_ARRAY:
        etype, items = value
        return struct.pack("<IQ", etype, len(items)) + \
            b"".join(gvalue(etype, v) for v in items)
    return struct.pack(SCALAR[vtype], value)


def gguf(kvs, tensors, version=3, magic=b"GGUF", endian="<"):
    out = magic + struct.pack(endian + "I", version)
    out += struct.pack("<QQ", len(tensors), len(kvs))
    for key, vtype, value in kvs:
        out += gstr(key) + struct.pack("<I", vtype) + gvalue(vtype, value)
    offset = 0
    sizes = []
    for name, dims, gtype in tensors:
        elements = 1
        for d in dims:
            elements *= d
        size = elements // gtype[1] * gtype[2]
        out += gstr(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", gtype[0], offset)
        sizes.append(size)
        offset += (size + 31) // 32 * 32
    out += b"\0" * (-len(out) % 32)
    return out + b"\0" * offset


def llama_kvs(arch="llama", layers=2):
    return [("general.architecture", GGUF_STRING, arch),
            ("general.name", GGUF_STRING, "tiny"),
            (arch + ".block_count", GGUF_U32, layers),
            (arch + ".context_length", GGUF_U32, 4096),
            (arch + ".embedding_length", GGUF_U32, 64),
            (arch + ".attention.head_count", GGUF_U32, 4),
            (arch + ".attention.head_count_kv", GGUF_U32, 2),
            (arch + ".rope.freq_base", GGUF_F32, 10000.0),
            ("general.alignment", GGUF_U32, 32),
            ("tokenizer.ggml.tokens", GGUF_ARRAY,
             (GGUF_STRING, ["<s>", "</s>", "a"]))]


def gguf_seeds():
    tensors = [("token_embd.weight", [64, 8], Q8_0),
               ("blk.0.attn_q.weight", [64, 64], Q4_0),
               ("output_norm.weight", [64], F32)]
    put("llama-v3.gguf", "gguf", gguf(llama_kvs(), tensors))
    put("llama-v2.gguf", "gguf", gguf(llama_kvs(), tensors, version=2))
    per_layer = llama_kvs("gemma3", 3)[:5] + [
        ("gemma3.attention.head_count", GGUF_ARRAY, (GGUF_U32, [4, 4, 4])),
        ("gemma3.attention.head_count_kv", GGUF_ARRAY, (GGUF_I32, [2, 0, 2])),
        ("gemma3.attention.sliding_window", GGUF_U32, 512),
        ("gemma3.attention.key_length", GGUF_U32, 16),
        ("gemma3.attention.value_length", GGUF_U32, 16),
        ("gemma3.flag", GGUF_BOOL, True),
        ("gemma3.i64", GGUF_I64, -1), ("gemma3.f64", GGUF_F64, 0.5),
        ("gemma3.u8", GGUF_U8, 1), ("gemma3.i16", GGUF_I16, -2),
        ("gemma3.u64", GGUF_U64, 2**40)]
    put("per-layer.gguf", "gguf", gguf(per_layer, [("x", [32], F16)]))
    mla = llama_kvs("deepseek2", 2) + [
        ("deepseek2.attention.kv_lora_rank", GGUF_U32, 512),
        ("deepseek2.attention.key_length_mla", GGUF_U32, 192),
        ("deepseek2.attention.value_length_mla", GGUF_U32, 128),
        ("deepseek2.rope.dimension_count", GGUF_U32, 64)]
    put("mla.gguf", "gguf", gguf(mla, []))
    ssm = llama_kvs("mamba", 2) + [
        ("mamba.ssm.conv_kernel", GGUF_U32, 4),
        ("mamba.ssm.inner_size", GGUF_U32, 128),
        ("mamba.ssm.state_size", GGUF_U32, 16),
        ("mamba.ssm.group_count", GGUF_U32, 1)]
    put("ssm.gguf", "gguf", gguf(ssm, []))
    good = gguf(llama_kvs(), tensors)
    put("truncated.gguf", "gguf", good[:100])
    put("bad-magic.gguf", "gguf", b"GGUX" + good[4:])
    put("big-endian.gguf", "gguf", gguf(llama_kvs(), [], endian=">"))
    put("nested-array.gguf", "gguf", gguf(
        [("general.architecture", GGUF_STRING, "llama"),
         ("deep", GGUF_ARRAY, (GGUF_ARRAY, [(GGUF_ARRAY,
                                             [(GGUF_U8, [1])])]))], []))
    put("duplicate-key.gguf", "gguf", gguf(
        llama_kvs() + [("llama.block_count", GGUF_U32, 3)], []))
    # A string whose length runs past the end of the file.
    put("long-string.gguf", "gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) +
        struct.pack("<Q", 2**40) + b"general.architecture")


# ---- YAML profiles (fuzz_profile: the file is fuzz.yaml) ------------------

def shipped(kind, name):
    with open(os.path.join(DATA, kind, name + ".yaml")) as f:
        return f.read()


def as_fuzz(text):
    """A shipped profile under the name its harness's file gives."""
    return re.sub(r"(?m)^name: .*$", "name: fuzz", text)


def profile_seeds():
    for name in ["llama2-7b", "gemma3-4b", "deepseek-v3", "llama4-scout",
                 "qwen3-next-80b-a3b", "gpt-oss-20b", "falcon-7b"]:
        put(name + ".yaml", "profile", as_fuzz(shipped("models", name)))
    for name in ["h100-sxm", "mi300x"]:
        put(name + ".yaml", "profile", as_fuzz(shipped("gpus", name)))
    put("per-layer.yaml", "profile",
        "name: fuzz\nlayers: 4\nheads: 8\nkv_heads: 2\nhead_dim: 64\n"
        "layer_kv_heads: [2, 0, 4, 8]\nlayer_pattern: none,sliding*2,full\n"
        "sliding_window: 128\nstate_bytes: 1 MiB\n")
    put("recurrent.yaml", "profile",
        "name: fuzz\nlayers: 3\nheads: 4\nkv_heads: 4\nhidden: 256\n"
        "layer_pattern: \"recurrent,full\"\nstate_bytes: 12.5 KB\n"
        "params: 1.5e9\nrope_theta: 1e6\n")
    put("flow.yaml", "profile",
        "{name: fuzz, memory: 24 GiB, l2: 6 MiB, aliases: [a, 'b'],"
        " description: \"flow \\u00e9\"}\n")
    put("anchors.yaml", "profile",
        "name: &n fuzz\nlayers: *n\nheads: !!int 4\nkv_heads: 4\n"
        "head_dim: 8\n")
    put("block-scalars.yaml", "profile",
        "name: fuzz\ndescription: >-\n  folded\n  text\nmemory: |\n"
        "  80 GiB\nl2: 50 MiB\n")
    put("two-documents.yaml", "profile",
        "---\nname: fuzz\nmemory: 1 GiB\nl2: 1 MiB\n...\n---\nname: x\n")
    put("deep.yaml", "profile", "name: fuzz\naliases: [[[[x]]]]\n")
    put("duplicate.yaml", "profile",
        "name: fuzz\nmemory: 1 GiB\nmemory: 2 GiB\nl2: 1 MiB\n")
    put("typo.yaml", "profile", "name: fuzz\nlayer: 2\nheads: 4\n")
    put("numbers.yaml", "profile",
        "name: fuzz\nlayers: 4294967296\nheads: -1\nkv_heads: 0x10\n"
        "params: 1e400\nmemory: 18446744073709551616 B\nl2: 3.5 B\n")
    put("wrong-name.yaml", "profile", "name: Other\nmemory: 1 GiB\nl2: 1\n")
    put("clash.yaml", "profile",
        "name: fuzz\naliases: [fuzz2, fuzz2, fuzz]\nmemory: 1 GiB\nl2: 1\n")
    put("tab-and-bom.yaml", "profile",
        b"\xef\xbb\xbfname: fuzz\n\tlayers: 2\n")
    put("bad-utf8.yaml", "profile", b"name: fuzz\ndescription: \xff\xfe\n")
    put("empty.yaml", "profile", "")


# ---- catalogues (fuzz_catalog: records "PATH\nTEXT" split on NUL) ----------

def catalog(*records):
    return b"\0".join(r.encode() if isinstance(r, str) else r
                       for r in records)


def catalog_seeds():
    llama = shipped("models", "llama2-7b")
    gemma = shipped("models", "gemma3-4b")
    h100 = shipped("gpus", "h100-sxm")
    a100 = shipped("gpus", "a100-80g")
    put("shipped.cat", "catalog", catalog(
        "models/llama2-7b\n" + llama, "models/gemma3-4b\n" + gemma,
        "gpus/h100-sxm\n" + h100, "gpus/a100-80g\n" + a100))
    put("lookups.cat", "catalog", catalog(
        "models/llama2-7b\n" + llama, "gpus/h100-sxm\n" + h100,
        "?llama2-7c", "?H100", "?gemma-3-4b", "?llama", "?-bad"))
    # The second directory: hidden by the first, and adding its own.
    put("two-dirs.cat", "catalog", catalog(
        "models/llama2-7b\n" + llama,
        "2/models/llama2-7b\n" + llama.replace("layers: 32", "layers: 40"),
        "2/models/gemma3-4b\n" + gemma, "2/gpus/h100-sxm\n" + h100))
    put("alias-clash.cat", "catalog", catalog(
        "models/a\nname: a\naliases: [c]\nlayers: 1\nheads: 1\n"
        "kv_heads: 1\nhead_dim: 8\n",
        "models/b\nname: b\naliases: [c]\nlayers: 1\nheads: 1\n"
        "kv_heads: 1\nhead_dim: 8\n"))
    put("name-mismatch.cat", "catalog", catalog(
        "gpus/x\nname: y\nmemory: 1 GiB\nl2: 1 MiB\n",
        "gpus/y\nname: y\nmemory: 1 GiB\nl2: 1 MiB\n"))
    put("directory.cat", "catalog", catalog(
        "models/llama2-7b/", "2/models/llama2-7b\n" + llama,
        "gpus/h100-sxm\n" + h100))
    put("broken.cat", "catalog", catalog(
        "models/good\nname: good\nlayers: 2\nheads: 2\nkv_heads: 1\n"
        "hidden: 64\n", "models/bad\nname: bad\nlayers: [\n",
        "gpus/.hidden\nname: x\n", "gpus/h1\n"))
    put("empty.cat", "catalog", b"")


# ---- command lines (fuzz_cli: arguments split on NUL) ---------------------

def cli_seeds():
    lines = {
        "plan": "--model llama2-7b --seq 1024",
        "json": "--model llama2-7b --seq 1024 --format json",
        "csv": "--model falcon-7b --seq 2048 --batch 4 --format csv",
        "dtype": "--model gemma2-9b --seq 8192 --dtype fp8 --gpu all",
        "kv-types": "--model llama3-8b --seq 4096 --dtype-k q8_0 "
                    "--dtype-v q4_0 --engine llama.cpp",
        "custom": "--layers 32 --heads 32 --head-dim 128 --seq 4096 "
                  "--kv-heads 8 --params 7000000000",
        "hidden": "--layers 2 --heads 4 --hidden 256 --seq 10 --explain",
        "pattern": "--model gemma3-4b --seq 131072 --layer-pattern "
                   "sliding*5,full --window 512 --format json --explain",
        "mla": "--model deepseek-v3 --seq 32768 --mla expanded --tp 8",
        "mla-fp8": "--model deepseek-v3 --seq 1000 --dtype fp8_ds_mla "
                   "--engine vllm --format json",
        "mla-backend": "--model deepseek-v2-lite --seq 1030 --dtype fp8 "
                       "--engine vllm --gpu a100,h100,h200 --explain",
        "recurrent": "--model qwen3-next-80b-a3b --seq 262144 --state-bytes "
                     "1048576 --solve max-batch",
        "chunked": "--model llama4-scout --seq 1000000 --chunk 4096 "
                   "--no-window",
        "vllm": "--model llama3-8b --seq 8192 --engine vllm --block-size 32 "
                "--max-num-batched-tokens 4096 --gpu-memory-utilization 0.85",
        "llamacpp": "--model llama2-7b --engine llama.cpp -c 1024 -np 3 "
                    "--ubatch 256 --no-kv-unified",
        "sglang": "--model gemma3-12b --seq 4000 --engine sglang --page-size "
                  "16 --swa-full-tokens-ratio 0.5 --mem-fraction-static 0.8",
        "trtllm": "--model llama3-70b --seq 4096 --engine trtllm "
                  "--trtllm-runtime cpp --tokens-per-block 64 --tp 4 --pp 2",
        "pp-layers": "--model llama2-7b --seq 2048 --pp 3 --pp-layers "
                     "10,11,11 --dp 2 --format json",
        "budget": "--model llama3-8b --seq 8192 --kv-budget 10000000000 "
                  "--engine vllm --solve max-seq",
        "min-gpus": "--model llama3.1-405b --seq 131072 --solve min-gpus "
                    "--gpu h100,a100 --require-fit",
        "fit": "--model qwen2.5-72b --seq 32768 --batch 64 --gpu h200 "
               "--weights-dtype fp8 --mem-util 0.95 --reserve 2147483648",
        "streaming": "--model llama2-7b --seq 100000 --policy "
                     "streaming:sink=4,recent=1020 --gen 100",
        "h2o": "--model mistral-7b --seq 32768 --policy h2o:heavy=64,recent=64"
               " --format json",
        "snapkv": "--model llama3-8b --seq 16384 --policy snapkv:capacity="
                  "1024,window=32,kernel=7 --kv-layout repeated",
        "pyramidkv": "--model llama3-8b --seq 16384 --policy pyramidkv:"
                     "capacity=512,window=8,beta=20 --solve max-seq",
        "ratio": "--model qwen3-8b --seq 10000 --policy ratio:0.5 --gen 500 "
                 "--engine sglang --format csv",
        "window": "--model phi3-mini --seq 4096 --policy window:1024",
        "host": "--model gpt2 --seq 1024 --gpu host",
        "list-models": "--list-models --format json",
        "list-gpus": "--list-gpus --format csv",
        "help": "--help",
        "version": "-V",
        "short": "-m llama2-7b -s 100 -b 2 -t bf16 -g a10 -f json",
        "bad-value": "--model llama2-7b --seq 10x",
        "unknown": "--model llama2-7c --seq 1",
        "ambiguous": "--mod llama2-7b --se 1 --p 2",
        "overflow": "--model llama3.1-405b --seq 18446744073709551615 "
                    "--batch 18446744073709551615",
        "no-model": "--seq 1",
        # Paths: the harness links them to the readers' seeds they end in.
        "config": "--config llama3-8b.json --seq 8192 --explain",
        "config-weights": "--config gemma3-4b.json --safetensors "
                          "fp8.safetensors --safetensors sub-byte.safetensors "
                          "--seq 1000 --format json",
        "gguf": "--gguf llama-v3.gguf --seq 100 --explain --format json",
        "gguf-mla": "--gguf mla.gguf --seq 4096 --engine llama.cpp",
        "data-dir": "--data-dir mine --list-models",
        "chart": "--model llama2-7b --seq 100 --chart out.png",
        "chart-fit": "--model gemma3-4b --seq 100000 --chart a/b.gp "
                     "--chart-kind fit --gpu all",
        "chart-layers": "--model qwen3-next-80b-a3b --seq 4096 --chart c.svg "
                        "--chart-kind layers",
        "chart-engines": "--model llama3-8b --seq 5000 --chart e.gp "
                         "--chart-kind engines --batch 3",
        "sweep": "--model llama2-7b,gemma3-27b --engine exact,vllm --dtype "
                 "fp16,fp8 --gpu h100,a100 --sweep seq=1..4096:x4,batch=1..3",
        "sweep-json": "--model mistral-7b --sweep seq=4000..4200:+50 "
                      "--format json --engine llama.cpp -np 2",
    }
    for name, line in lines.items():
        put(name + ".args", "cli", "\0".join(line.split(" ")))
    put("control.args", "cli", b"--model\0llama\x1b[2J\0--seq\0\xff")
    put("empty.args", "cli", b"")


if __name__ == "__main__":
    configs()
    safetensors_seeds()
    gguf_seeds()
    profile_seeds()
    catalog_seeds()
    cli_seeds()
