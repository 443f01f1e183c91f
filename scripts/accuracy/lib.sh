# Shared by scripts/accuracy/weights.sh and budget.sh (source it after
# setting ROOT, SHARED and BUILD): the tools, the data, the preprocessing
# flags and the ImageNet sample's disjoint halves.

# accuracy_tools NAME: CONVERT / EVAL from $BUILD, or exit naming the target.
accuracy_tools() {
  CONVERT=$BUILD/converter/driver/qrt-convert
  EVAL=$BUILD/eval/qrt-eval
  local t
  for t in "$CONVERT" "$EVAL"; do
    [ -x "$t" ] || { echo "$1: $t not built (cmake --build $BUILD --target qrt-convert qrt-eval)" >&2; exit 1; }
  done
}

INET=$SHARED/data/imagenet-sample
C10=$SHARED/data/cifar10
INET_PP="--resize-short 256 --crop 224x224 --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --channel-order RGB"
C10_PP="--mean 0.4914,0.4822,0.4465 --std 0.2470,0.2435,0.2616"

# imagenet_half DIR PARITY: DIR gets labels.txt and symlinks for the
# ImageNet sample's lines with (line - 1) % 2 == PARITY: 0 the even half
# (calibration), 1 the odd half (evaluation). Kept when already there.
imagenet_half() {
  local dir=$1 parity=$2
  [ -f "$dir/labels.txt" ] && return 0
  mkdir -p "$dir"
  awk -v p="$parity" 'NF && (NR - 1) % 2 == p' "$INET/labels.txt" > "$dir/labels.txt.tmp"
  while IFS=$'\t' read -r name cls; do ln -sf "$INET/$name" "$dir/$name"; done < "$dir/labels.txt.tmp"
  mv "$dir/labels.txt.tmp" "$dir/labels.txt"
}
