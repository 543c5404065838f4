# SPDX-License-Identifier: LGPL-2.1-or-later
# Bash completion of vnettunectl: commands, options, and the names of links and VMs as the running daemons list them.
# Plain bash (compgen, compopt), so it works without the bash-completion package's helpers too.

# Prints the second column (the name) of `vnettunectl COMMAND --no-legend` once each, nothing on failure.
__vnettunectl_names() {
        vnettunectl "$@" --no-legend --no-pager --no-color 2>/dev/null | awk '!seen[$2]++ { print $2 }'
}

_vnettunectl() {
        local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        local verbs='status list vms show plan apply revert reload'
        local opts='--help --version --guest --host --json= --no-pager --no-legend --no-color'
        local i word verb='' n_args=0 names=
        local -a daemon=()

        COMPREPLY=()
        for ((i = 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                case $word in
                --guest | --host) daemon=("$word") ;;
                -* | =) ;;
                *)
                        # The MODE of --json=MODE, split off at the "=" of COMP_WORDBREAKS.
                        [[ ${COMP_WORDS[i - 1]} == = ]] && continue
                        if [[ -z $verb ]]; then verb=$word; else n_args=$((n_args + 1)); fi
                        ;;
                esac
        done

        # --json=MODE: the "=" may be a word of its own.
        if [[ $cur == = && $prev == --json ]] || [[ $prev == = && ${COMP_WORDS[COMP_CWORD - 2]} == --json ]]; then
                [[ $cur == = ]] && cur=
                mapfile -t COMPREPLY < <(compgen -W 'short pretty' -- "$cur")
                return 0
        fi
        if [[ $cur == --json=* ]]; then
                mapfile -t COMPREPLY < <(compgen -P --json= -W 'short pretty' -- "${cur#--json=}")
                return 0
        fi

        if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
                if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]]; then
                        compopt -o nospace 2>/dev/null
                fi
                return 0
        fi

        if [[ -z $verb ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur")
                return 0
        fi
        ((n_args == 0)) || return 0

        case $verb in
        show)
                names=$(__vnettunectl_names list "${daemon[@]}")
                if [[ ${daemon[0]:-} != --guest ]]; then
                        names+=$'\n'$(__vnettunectl_names vms "${daemon[@]}")
                fi
                ;;
        plan | apply | revert)
                names=$(__vnettunectl_names list "${daemon[@]}")
                ;;
        *)
                return 0
                ;;
        esac
        mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
        return 0
}

complete -F _vnettunectl vnettunectl
