# SPDX-License-Identifier: ISC
# Shared by tests/integration/tenants*.sh (sourced, not run): the emulator's
# orgs and a tenants directory built on them.

# The orgs, added to the emulator when it was started with fewer.
org() {   # org NAME: the emulator's description of org NAME (JSON)
	local d
	d=$(emu_admin GET /__emu/orgs | jq -c --arg n "$1" '.orgs[] | select(.name == $n)')
	[ -n "$d" ] || d=$(emu_admin POST /__emu/orgs "{\"name\":\"$1\"}")
	printf '%s' "$d"
}
tenants_orgs() {   # tenants_orgs NAME...: make sure the orgs exist, empty, and note them
	local o d h
	for o in "$@"; do
		d=$(org "$o")
		# an org added by an earlier script outlives the runner's reset of the default org
		emu_admin POST "/__emu/reset?org=$o" >/dev/null
		printf '%s' "$d" >"org.$o.json"
		h=$(json_get "$d" .host)
		case ",$SF_RESOLVE," in *",$h:"*) ;; *) SF_RESOLVE="$SF_RESOLVE,$h:$SFEMU_PORT:127.0.0.1" ;; esac
	done
	export SF_RESOLVE
}
o() { jq -r ".$2" "org.$1.json"; }   # o ORG FIELD

# tenant NAME ORG BINDING FLOW MAPPING [KEYPREFIX]: tenants/NAME as an operator
# makes it (under the caller's umask 077: ours, nobody else's).  BINDING is
# user, username or a tenant.json; FLOW jwt or refresh.
tenant() {
	local name=$1 org=$2 bind=$3 flow=$4 map=$5 prefix=${6:-} t
	mkdir -p "tenants/$name"
	case $bind in
	user) t="{\"orgId\":\"$(o "$org" org_id)\",\"userId\":\"$(o "$org" user_id)\"}" ;;
	username) t="{\"orgId\":\"$(o "$org" org_id)\",\"username\":\"$(o "$org" username)\"}" ;;
	*) t=$bind ;;
	esac
	[ -n "$prefix" ] && t=$(printf '%s' "$t" | jq -c --arg p "$prefix" '.keyPrefix = $p')
	printf '%s\n' "$t" >"tenants/$name/tenant.json"
	case $flow in
	jwt) jq -nc --arg l "$SF_LOGIN_URL" --arg c "$(o "$org" client_id)" --arg k "$(o "$org" jwt_key_file)" \
		--arg u "$(o "$org" username)" '{loginUrl: $l, clientId: $c, jwtKeyFile: $k, username: $u}' ;;
	refresh) cp "$(o "$org" refresh_token_file)" "tenants/$name/refresh.token"
		jq -nc --arg l "$SF_LOGIN_URL" --arg c "$(o "$org" client_id)" \
		'{loginUrl: $l, clientId: $c, refreshTokenFile: "refresh.token"}' ;;
	esac >"tenants/$name/org.json"
	cp "$map" "tenants/$name/mapping.json"
}
