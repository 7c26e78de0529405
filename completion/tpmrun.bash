# bash completion for tpmrun                                  -*- shell-script -*-
#
# Options come from `tpmrun --help` and step names from `tpmrun --list-steps`
# of the tpmrun being completed, so they are never out of date.  Paths
# complete to scenario files (*.yaml, *.yml, *.json) and directories.
# Needs nothing from the bash-completion package.

# The word being completed and the one before it, read from the line itself:
# COMP_WORDS splits at ':' and '=' (device:/dev/tpmrm0, --tcti=...).
_tpmrun_words()
{
    local line=${COMP_LINE:0:COMP_POINT}
    if [[ -z $COMP_LINE ]]; then
        _tpmrun_cur=${COMP_WORDS[COMP_CWORD]}
        _tpmrun_prev=${COMP_WORDS[COMP_CWORD-1]}
        return
    fi
    _tpmrun_cur=${line##*[[:space:]]}
    line=${line%"$_tpmrun_cur"}
    line=${line%"${line##*[![:space:]]}"}
    _tpmrun_prev=${line##*[[:space:]]}
    if [[ $_tpmrun_cur == --*=* ]]; then         # --tcti=swtpm:...
        _tpmrun_prev=${_tpmrun_cur%%=*}
        _tpmrun_cur=${_tpmrun_cur#*=}
    fi
}

# COMPREPLY holds whole words; bash replaces only what follows the last
# word-break character of the current word, so drop what precedes it.
_tpmrun_trim_breaks()
{
    local word=$1 i keep=-1
    for ((i = 0; i < ${#word}; i++)); do
        [[ $COMP_WORDBREAKS == *"${word:i:1}"* ]] && keep=$i
    done
    ((keep < 0)) && return
    for i in "${!COMPREPLY[@]}"; do
        COMPREPLY[i]=${COMPREPLY[i]:keep+1}
    done
}

_tpmrun_options()
{
    "$1" --help 2>/dev/null | grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | tr -d ' ,' | sort -u
}

_tpmrun_steps()
{
    "$1" --list-steps 2>/dev/null | awk '{ print $1 }'
}

# Scenario files and directories below the word typed so far.
_tpmrun_paths()
{
    local cur=$1 f
    local IFS=$'\n'
    for f in $(compgen -f -- "$cur"); do
        if [[ -d $f ]]; then
            COMPREPLY+=("$f/")
        elif [[ $f == *.yaml || $f == *.yml || $f == *.json ]]; then
            COMPREPLY+=("$f")
        fi
    done
    compopt -o filenames -o nospace 2>/dev/null
}

_tpmrun_tcti()
{
    local cur=$1 dev
    case $cur in
        device:*)
            for dev in /dev/tpmrm* /dev/tpm*; do
                [[ -e $dev ]] && COMPREPLY+=("device:$dev")
            done
            COMPREPLY=($(compgen -W "${COMPREPLY[*]}" -- "$cur"))
            ;;
        swtpm:*) COMPREPLY=($(compgen -W "swtpm:path= swtpm:host=localhost,port=2321" -- "$cur")) ;;
        mssim:*) COMPREPLY=($(compgen -W "mssim:host=localhost,port=2321" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "device: swtpm: mssim: tabrmd: libtpms: cmd: pcap:" -- "$cur")) ;;
    esac
    compopt -o nospace 2>/dev/null
}

_tpmrun()
{
    local _tpmrun_cur _tpmrun_prev
    _tpmrun_words
    local cur=$_tpmrun_cur prev=$_tpmrun_prev tpmrun=${COMP_WORDS[0]}
    COMPREPLY=()
    case $prev in
        --tcti)
            _tpmrun_tcti "$cur"
            _tpmrun_trim_breaks "$cur"
            return ;;
        --results)
            COMPREPLY=($(compgen -d -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        --junit)
            COMPREPLY=($(compgen -f -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        --fault)
            COMPREPLY=($(compgen -W "warning=yielded warning=retry warning=testing delay_ms= drop truncate= garbage" -- "$cur"))
            compopt -o nospace 2>/dev/null
            _tpmrun_trim_breaks "$cur"
            return ;;
        --color)
            COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
            return ;;
        -j | --jobs | --timeout | --repeat)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_tpmrun_options "$tpmrun")" -- "$cur"))
        return
    fi
    local w
    for w in "${COMP_WORDS[@]}"; do
        if [[ $w == --list-steps ]]; then
            COMPREPLY=($(compgen -W "$(_tpmrun_steps "$tpmrun")" -- "$cur"))
            return
        fi
    done
    _tpmrun_paths "$cur"
}

complete -F _tpmrun tpmrun
