#!/bin/bash
# vsrd-git-sync: one sync of the manifests checkout that vsrd watches, run by
# vsrd-git-sync.service (every minute, from vsrd-git-sync.timer). Installed as
# libexec/vsrd/vsrd-git-sync.
#
# Layout under the root ($VSRD_GIT_ROOT, else systemd's $STATE_DIRECTORY, else /var/lib/vsrd):
#   manifests-repo/              bare repository; the branch is fetched into it
#   manifests-checkouts/<commit>/  one worktree per commit; the newest few are kept
#   manifests -> manifests-checkouts/<commit>[/$VSRD_GIT_SUBDIR]
# A new commit is checked out into its own directory, then `manifests` is replaced by a symlink
# to it in one rename(2): vsrd's watcher sees one change, never a half-written tree, and reads
# the commit id (libgit2) from the worktree.
#
# Settings (environment, from /etc/vsrd/git-sync.env under systemd):
#   VSRD_GIT_URL     required: the repository, e.g. https://git.example.com/ops/vsphere.git or
#                    ssh://git@git.example.com/ops/vsphere.git
#   VSRD_GIT_BRANCH  the branch (default main)
#   VSRD_GIT_SUBDIR  the manifests directory inside the repository (default: its root)
#   VSRD_GIT_KEEP    checkouts kept, the current one included (default 3, at least 2: vsrd may
#                    still be reading the previous one while it reloads)
# SSH: when the credential git-ssh-key exists ($CREDENTIALS_DIRECTORY/git-ssh-key, see
# systemd/README.md) it is the key, and /etc/vsrd/git-known-hosts the known hosts.
#
# Prints one line when the checkout changes, nothing when it is current. Exit status: 0 when
# the checkout is current, 1 on any failure (the previous checkout stays in force).
set -euo pipefail

log() { printf 'vsrd-git-sync: %s\n' "$*"; }
fail() {
  printf 'vsrd-git-sync: error: %s\n' "$*" >&2
  exit 1
}

url=${VSRD_GIT_URL:-}
branch=${VSRD_GIT_BRANCH:-main}
subdir=${VSRD_GIT_SUBDIR:-}
keep=${VSRD_GIT_KEEP:-3}
root=${VSRD_GIT_ROOT:-${STATE_DIRECTORY:-/var/lib/vsrd}}
root=${root%%:*} # $STATE_DIRECTORY lists every StateDirectory=, colon-separated

[[ -n $url ]] || fail "VSRD_GIT_URL is not set (/etc/vsrd/git-sync.env)"
git check-ref-format --branch "$branch" >/dev/null 2>&1 ||
  fail "VSRD_GIT_BRANCH: not a branch name: $branch"
if [[ ! $keep =~ ^[1-9][0-9]{0,2}$ ]] || ((keep < 2)); then
  fail "VSRD_GIT_KEEP: must be an integer from 2 to 999: $keep"
fi
subdir=${subdir#/}
subdir=${subdir%/}
case "/$subdir/" in
  */../* | */./*) fail "VSRD_GIT_SUBDIR: must not contain . or .. components: $subdir" ;;
esac
[[ -d $root ]] || fail "$root: no such directory"

repo=$root/manifests-repo
checkouts=$root/manifests-checkouts
link=$root/manifests

export GIT_TERMINAL_PROMPT=0
if [[ -n ${CREDENTIALS_DIRECTORY:-} && -f $CREDENTIALS_DIRECTORY/git-ssh-key ]]; then
  known_hosts=${VSRD_GIT_KNOWN_HOSTS:-/etc/vsrd/git-known-hosts}
  [[ -f $known_hosts ]] || fail "$known_hosts: no such file (the SSH host keys of the git server)"
  export GIT_SSH_COMMAND="ssh -i '$CREDENTIALS_DIRECTORY/git-ssh-key' -o IdentitiesOnly=yes \
-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='$known_hosts'"
fi

mkdir -p "$checkouts"
# One sync at a time (the timer never overlaps runs; a manual run might).
exec 9>"$checkouts/.lock"
flock -n 9 || fail "another vsrd-git-sync is running"

if [[ ! -d $repo ]]; then
  rm -rf "$repo.new"
  git init --quiet --bare "$repo.new"
  mv -T "$repo.new" "$repo"
fi

tracking=refs/remotes/origin/$branch
shown_url=$(sed -E 's#(://)[^/@]*@#\1***@#' <<<"$url") # never print a password or token
git -C "$repo" fetch --quiet --no-tags "$url" "+refs/heads/$branch:$tracking" ||
  fail "fetching branch $branch of $shown_url failed"
commit=$(git -C "$repo" rev-parse --verify --quiet "$tracking^{commit}") ||
  fail "branch $branch of $shown_url has no commit"

relative=manifests-checkouts/$commit${subdir:+/$subdir}
current=$(readlink "$link" 2>/dev/null || true)
if [[ $current == "$relative" && -d $link ]]; then
  exit 0
fi
if [[ -e $link && ! -L $link ]]; then
  fail "$link exists and is not a symlink; move it away so that git-sync can manage it"
fi

target=$checkouts/$commit
in_use=false
[[ $current == manifests-checkouts/$commit || $current == manifests-checkouts/$commit/* ]] && in_use=true
# A checkout in use is kept (then only VSRD_GIT_SUBDIR changed). Any other directory of this commit
# is a leftover of an interrupted run, or an old checkout of a commit that came back: start over.
if [[ ! -d $target ]] || ! $in_use; then
  if [[ -e $target ]]; then
    git -C "$repo" worktree remove --force "$target" 2>/dev/null || rm -rf "$target"
  fi
  git -C "$repo" worktree prune
  git -C "$repo" worktree add --quiet --detach "$target" "$commit" ||
    fail "checking out $commit failed"
fi
if [[ -n $subdir && ! -d $target/$subdir ]]; then
  fail "VSRD_GIT_SUBDIR: $subdir is not a directory in commit $commit"
fi

# The swap: a new symlink renamed over the old one (rename(2) is atomic).
swap=$root/.manifests.git-sync.$$
rm -f "$swap"
ln -s "$relative" "$swap"
mv -T "$swap" "$link"
log "manifests -> $commit (branch $branch${subdir:+, directory $subdir})"

# Keep the newest $keep checkouts, the current one always among them.
mapfile -t old < <(find "$checkouts" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended \
  -regex '.*/[0-9a-f]{40,64}' -printf '%T@ %f\n' | sort -rn | awk '{print $2}')
kept=1
for name in "${old[@]}"; do
  [[ $name == "$commit" ]] && continue
  if ((kept < keep)); then
    kept=$((kept + 1))
    continue
  fi
  git -C "$repo" worktree remove --force "$checkouts/$name" 2>/dev/null || rm -rf "${checkouts:?}/$name"
done
git -C "$repo" worktree prune
