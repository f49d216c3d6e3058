# Sourced by ops/build-guest-image and ops/build-test-host: Debian 12's newest 6.1 kernel package,
# fetched with apt-get, and the modules an initramfs needs from it. The sourcing script defines
# log() and BUSYBOX (a busybox-static binary) first.

newest_kernel_package() {
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' \
        | cut -d' ' -f1 | sort -V | tail -n1
}

# The package's name (linux-image-VERSION); exits when apt knows none.
kernel_package() {
    local package
    package=$(newest_kernel_package)
    if [[ -z $package && $(id -u) == 0 ]]; then
        # A machine whose packages were all installed already may never have fetched the lists.
        apt-get update -qq >&2
        package=$(newest_kernel_package)
    fi
    if [[ -z $package ]]; then
        log "apt-cache knows no linux-image-6.1.0-*-amd64 package (has apt-get update run?)"
        exit 1
    fi
    echo "$package"
}

# extract_kernel_package PACKAGE DIR: downloads PACKAGE into DIR and extracts it to DIR/root.
extract_kernel_package() {
    local package=$1 dir=$2
    log "downloading $package"
    # As root, apt's download sandbox user (_apt) cannot write to a mktemp directory: skip it.
    (cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$package" >/dev/null)
    dpkg-deb -x "$dir"/"$package"_*.deb "$dir/root"
    rm "$dir"/"$package"_*.deb
}

# Print MODULE's dependencies, then MODULE, each once, as paths relative to the modules tree.
# A module built into the kernel has no .ko and is skipped. Call it outside pipes and $(...):
# SEEN must persist from one module to the next.
declare -A SEEN=()
with_dependencies() {
    local name=$1 tree=$2 file dep
    [[ -n ${SEEN[$name]:-} ]] && return 0
    SEEN[$name]=1
    file=$(find "$tree" -name "$name.ko" -print -quit)
    [[ -z $file ]] && { log "no $name.ko: assuming it is built in"; return 0; }
    # .modinfo holds "depends=a,b"; busybox strings reads it without kmod installed.
    for dep in $("$BUSYBOX" strings "$file" | sed -n 's/^depends=//p' | tr ',' ' '); do
        with_dependencies "$dep" "$tree"
    done
    echo "${file#"$tree"/}"
}
