# SPDX-License-Identifier: ISC
# bash completion for the sfpipe programs (installed once per program name).
# Options are read from the program's own --help, so they never drift from
# the code; sObject names come from the describe cache when one exists.

_sfpipe_opts() {
	"$1" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_sfpipe_sobjects() {
	local dir=${SFPIPE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sfpipe}
	[ -d "$dir/describe" ] || return 0
	find "$dir/describe" -type f -name '*.json' 2>/dev/null |
		sed -E 's,.*/,,; s,\.json$,,; s,^.*[.@],,' | sort -u
}

_sfpipe() {
	local cur prev prog
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	prog=${COMP_WORDS[0]}
	case "$prev" in
	--keyring|--mapping|--describe|--org|--rejects|--replay-store|--headers|--catalog|--new-key|--report|\
	--spool|--results|--tls-cert|--tls-key)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
	--tenants|-T)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
	--tenant|-t)
		# SFPIPE_TENANTS's subdirectories, named as the keyring names its tenants
		local tdir=${SFPIPE_TENANTS:-}
		[ -n "$tdir" ] && [ -d "$tdir" ] &&
			mapfile -t COMPREPLY < <(compgen -W "$(cd "$tdir" && ls -d -- */ 2>/dev/null | tr -d /)" -- "$cur")
		return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_sfpipe_opts "$prog")" -- "$cur")
		return
	fi
	case "${prog##*/}" in
	sf-describe|sf-create)
		mapfile -t COMPREPLY < <(compgen -W "$(_sfpipe_sobjects)" -- "$cur") ;;
	*)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	esac
}

complete -F _sfpipe sf-describe sf-map sf-create hmac-sign hmac-verify sf-freebusy \
	hmac-receive sfpipe-follow sf-provision sfpipe-status
