# gpu.sh — --gpu cuda[:N]: a GPU read from CUDA where there is one, and
# otherwise one line saying why (no CUDA in this build, no driver, no GPU)
# with exit status 2 and nothing on stdout, --validate included; names
# that are not a GPU's number refused before CUDA is asked.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

m="--model llama2-7b --seq 1024"
for name in cuda:x cuda: cuda:-1 cuda:+1 cuda:1x cuda:99999999999 'cuda: 1'; do
	quoted=$(printf '%s' "$name" | sed 's/[+]/\\+/g')
	expect_error "'$name' is not a GPU's number" \
		"^kvplan: --gpu: '$quoted' is not a CUDA GPU: cuda:N takes N, a GPU's number from 0\$" \
		$m --gpu "$name"
done
expect_error "a name that only starts with cuda is a profile's" \
	"^kvplan: unknown GPU 'cudax'" $m --gpu cudax

run $m --gpu cuda
if [ "$status" -eq 0 ]; then
	# A GPU here (tests/test_cuda_gpu checks its figures).
	check "cuda:0 has a row of the fit" grep -Eq '^cuda:0 ' "$work/out"
	check "the table names the GPU and its free memory" \
		grep -Eq '^\(cuda:0: .* \(CUDA GPU 0\), .* free now\)$' "$work/out"
	expect_error "a GPU past those there are" \
		"^kvplan: --gpu cuda:4096: no CUDA GPU 4096: the driver sees [0-9]+ \(cuda:0" \
		$m --gpu cuda:4096
	expect_error "--validate on a GPU: a policy is the host's" \
		"^kvplan: --validate: a policy's cache is validated on this host" \
		$m --gpu cuda --validate --policy pyramidkv:capacity=512,window=32,beta=20
	expect_error "--validate on a GPU: one type for K and V" \
		"^kvplan: validation stores K and V as one type, not fp16 and fp32" \
		$m --gpu cuda --validate --dtype-k fp16 --dtype-v fp32
	expect_error "--validate on a GPU: sliding layers are refused" \
		"^kvplan: the reference implementation runs full-attention layers only" \
		--model gemma2-9b --seq 1024 --gpu cuda --validate
	# It passes where the GPU is this run's alone; another process
	# moving its free memory can fail the free-memory edge (exit 1).
	run $m --gpu cuda --validate --format json
	check "--validate on the GPU runs (0, or 1 on a shared GPU)" \
		test "$status" -eq 0 -o "$status" -eq 1
	check "... and gives its JSON" grep -q '"gpu_validation"' "$work/out"
else
	if [ "$KVPLAN_CUDA" = yes ]; then
		why="no CUDA GPU: .*"
	else
		why="this libkvplan was built without CUDA \(configure --with-cuda\)"
	fi
	for name in cuda cuda:0 cuda:7; do
		expect_error "--gpu $name says why it cannot" "^kvplan: --gpu $name: $why\$" \
			$m --gpu "$name"
	done
	expect_error "a CUDA GPU among others" "^kvplan: --gpu cuda: $why\$" $m --gpu h100,cuda
	expect_error "--validate on a GPU there is not" "^kvplan: --gpu cuda: $why\$" \
		$m --gpu cuda --validate
	expect_error "... as JSON too" "^kvplan: --gpu cuda:0: $why\$" \
		$m --gpu cuda:0 --validate --format json
fi

done_testing
