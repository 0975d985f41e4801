#!/usr/bin/env bash
# vsrd-git-sync (systemd/vsrd-git-sync.sh) against a local repository, then with `vsrd run`
# watching the checkout it maintains:
#   - the first run checks out the branch's commit and points `manifests` at its subdirectory;
#   - a run with nothing new changes nothing and prints nothing;
#   - each new commit is a new checkout and one symlink swap; only the newest VSRD_GIT_KEEP stay;
#   - failures (unreachable repository, subdirectory gone, `manifests` a real directory) exit 1
#     and leave the checkout in force alone;
#   - vsrd run reports the synced commit as its revision, and the next one after the next sync.
# Usage: git_sync_test.sh SOURCE_DIR VSRD_BINARY
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  [[ -f ${tmp:-}/vsrd.log ]] && { echo "--- vsrd log:" >&2; tail -n 20 "$tmp/vsrd.log" >&2; }
  exit 1
}

[[ $# -eq 2 ]] || fail "usage: $0 SOURCE_DIR VSRD_BINARY"
source_dir=$1
vsrd=$(realpath "$2")
sync_script=$source_dir/systemd/vsrd-git-sync.sh
python=/usr/bin/python3
command -v git >/dev/null || fail "git not found (Debian package git)"
[[ -x $python ]] || fail "$python not found (Debian package python3)"

tmp=$(mktemp -d)
vsrd_pid=
cleanup() {
  if [[ -n $vsrd_pid ]] && kill -0 "$vsrd_pid" 2>/dev/null; then
    kill -TERM "$vsrd_pid"
    wait "$vsrd_pid" || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

upstream=$tmp/upstream
state=$tmp/state
mkdir -p "$upstream/vsphere" "$state"
git -C "$upstream" init --quiet --initial-branch=main
git -C "$upstream" config user.name test
git -C "$upstream" config user.email test@example.com
cp "$source_dir/examples/manifests/guest-customization.yaml" "$upstream/vsphere/"
echo "not a manifest" >"$upstream/README"
commit() { # MESSAGE: commit everything, print the commit id
  git -C "$upstream" add --all
  git -C "$upstream" commit --quiet --message "$1"
  git -C "$upstream" rev-parse HEAD
}
git_sync() { # run vsrd-git-sync as the service does, with the settings of git-sync.env
  VSRD_GIT_URL=file://$upstream VSRD_GIT_BRANCH=main VSRD_GIT_SUBDIR=vsphere \
    VSRD_GIT_KEEP=${VSRD_GIT_KEEP:-3} STATE_DIRECTORY=$state bash "$sync_script"
}
expect_link() { # COMMIT
  local link
  link=$(readlink "$state/manifests") || fail "$state/manifests is not a symlink"
  [[ $link == "manifests-checkouts/$1/vsphere" ]] ||
    fail "manifests -> $link, expected manifests-checkouts/$1/vsphere"
  local checkout=$state/manifests-checkouts/$1
  [[ $(git -C "$checkout" rev-parse HEAD) == "$1" ]] || fail "$checkout is not at $1"
  [[ -z $(git -C "$checkout" status --porcelain) ]] || fail "$checkout differs from commit $1"
}
checkouts() { (cd "$state/manifests-checkouts" && find . -mindepth 1 -maxdepth 1 -type d | sort | sed 's|^\./||'); }

# --- first sync, and a sync with nothing new ---
c1=$(commit one)
output=$(git_sync) || fail "first sync failed: $output"
[[ $output == "vsrd-git-sync: manifests -> $c1 (branch main, directory vsphere)" ]] ||
  fail "first sync printed '$output'"
expect_link "$c1"
[[ ! -e $state/manifests/README && -f $state/manifests/guest-customization.yaml ]] ||
  fail "manifests is not the repository's vsphere/ directory"
inode=$(stat -c %i "$state/manifests")
output=$(git_sync) || fail "second sync failed: $output"
[[ -z $output ]] || fail "a sync with nothing new printed '$output'"
[[ $(stat -c %i "$state/manifests") == "$inode" ]] || fail "a sync with nothing new replaced the symlink"
echo "first sync: manifests -> $c1; a second sync changes nothing"

# --- new commits: one swap each, three checkouts kept ---
echo "# two" >>"$upstream/vsphere/guest-customization.yaml"
c2=$(commit two)
git_sync >/dev/null || fail "sync of the second commit failed"
expect_link "$c2"
echo "# three" >>"$upstream/vsphere/guest-customization.yaml"
c3=$(commit three)
git_sync >/dev/null || fail "sync of the third commit failed"
echo "# four" >>"$upstream/vsphere/guest-customization.yaml"
c4=$(commit four)
git_sync >/dev/null || fail "sync of the fourth commit failed"
expect_link "$c4"
expected=$(printf '%s\n' "$c2" "$c3" "$c4" | sort)
[[ $(checkouts) == "$expected" ]] || fail "checkouts kept: $(checkouts | tr '\n' ' '), expected $c2 $c3 $c4"
worktrees=$(git -C "$state/manifests-repo" worktree list --porcelain | grep -c '^worktree ')
[[ $worktrees -eq 4 ]] || fail "the repository lists $worktrees worktrees, expected the bare one and 3"
echo "new commits: manifests -> $c4; kept $c2 $c3 $c4 (VSRD_GIT_KEEP=3)"

# --- failures leave the checkout in force alone ---
if output=$(VSRD_GIT_URL=file://$tmp/no-such-repository STATE_DIRECTORY=$state bash "$sync_script" 2>&1); then
  fail "a sync from a missing repository succeeded: $output"
fi
[[ $output == *"fetching branch main of file://$tmp/no-such-repository failed"* ]] ||
  fail "unexpected error for a missing repository: $output"
expect_link "$c4"
git -C "$upstream" mv vsphere renamed
c5=$(commit "rename the manifests directory")
if output=$(git_sync 2>&1); then fail "a sync of a commit without vsphere/ succeeded: $output"; fi
[[ $output == *"vsphere is not a directory in commit $c5"* ]] || fail "unexpected error: $output"
expect_link "$c4"
git -C "$upstream" mv renamed vsphere
c6=$(commit "rename it back")
if output=$(VSRD_GIT_KEEP=1 git_sync 2>&1); then fail "VSRD_GIT_KEEP=1 was accepted"; fi
expect_link "$c4"
mkdir "$tmp/manual"
mv -T "$state/manifests" "$tmp/manual/link"
mkdir "$state/manifests"
if output=$(git_sync 2>&1); then fail "a sync over a real manifests directory succeeded"; fi
[[ $output == *"exists and is not a symlink"* ]] || fail "unexpected error: $output"
rmdir "$state/manifests"
mv -T "$tmp/manual/link" "$state/manifests"
echo "failures: exit 1, manifests still -> $c4"

# --- vsrd run follows the syncs, with its journal beside them as in /var/lib/vsrd ---
git_sync >/dev/null || fail "sync of $c6 failed"
expect_link "$c6"
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "not-a-real-password" >"$tmp/vc01.password"
cat >"$tmp/vsrd.yaml" <<YAML
manifests: $state/manifests
state_dir: $state
listen: 127.0.0.1:$port
workers: 1
log: {level: info, format: text}
targets:
  vc01:
    api: vcenter
    url: https://127.0.0.1:1
    username: nobody@vsphere.local
    password_file: $tmp/vc01.password
YAML
"$vsrd" run --config "$tmp/vsrd.yaml" >"$tmp/vsrd.out" 2>"$tmp/vsrd.log" &
vsrd_pid=$!
revision() {
  "$vsrd" status --config "$tmp/vsrd.yaml" --output json 2>/dev/null |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["revision"])' 2>/dev/null || true
}
wait_for_revision() { # COMMIT
  local seen=
  for _ in $(seq 300); do
    kill -0 "$vsrd_pid" 2>/dev/null || fail "vsrd run exited"
    seen=$(revision)
    [[ $seen == "$1" ]] && return 0
    sleep 0.1
  done
  fail "vsrd run reports revision '$seen', expected $1"
}
wait_for_revision "$c6"
echo "# seven" >>"$upstream/vsphere/guest-customization.yaml"
c7=$(commit seven)
git_sync >/dev/null || fail "sync of $c7 failed"
wait_for_revision "$c7"
kill -TERM "$vsrd_pid"
wait "$vsrd_pid" || fail "vsrd run exited with status $? after SIGTERM"
vsrd_pid=
echo "vsrd run: revision $c6, then $c7 after the next sync"
