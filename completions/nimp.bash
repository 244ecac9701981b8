#!/bin/bash

__nimp_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__nimp_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__nimp_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__nimp_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_nimp() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __nimp_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    gen-data|train|evaluate|predict|export|import|optimize|distill|evolve|cycle|task|registry|tune|help)
        # Offer subcommand argument completions
        "_nimp_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'gen-data train evaluate predict export import optimize distill evolve cycle task registry tune help' -- "${cur}"))
        ;;
    esac
}

_nimp_gen-data() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--generator --input --teacher --teacher-command --like --features --active-from --labelled --pool --samples --seed --task --format --output -o --timeout)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--generator')
        return
        ;;
    '--input')
        __nimp_add_completions -f
        return
        ;;
    '--teacher')
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    '--teacher-command')
        return
        ;;
    '--like')
        __nimp_add_completions -f
        return
        ;;
    '--features')
        return
        ;;
    '--active-from')
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    '--labelled')
        __nimp_add_completions -f
        return
        ;;
    '--pool')
        return
        ;;
    '--samples')
        return
        ;;
    '--seed')
        return
        ;;
    '--target')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    '--format')
        __nimp_add_completions -W 'safetensors'$'\n''csv'$'\n''jsonl'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_nimp_train() {
    repeating_flags=()
    non_repeating_flags=(--drop-missing --quiet -q --verbose -v --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--data --validation --validation-split --hidden --activation --epochs --batch-size --learning-rate --optimizer --weight-decay --schedule --clip-norm --patience --learning-rate-drops --seed --init --id --metrics --output -o --plot --task --features --exclude)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data')
        __nimp_add_completions -f
        return
        ;;
    '--validation')
        __nimp_add_completions -f
        return
        ;;
    '--validation-split')
        return
        ;;
    '--hidden')
        return
        ;;
    '--activation')
        __nimp_add_completions -W 'relu'$'\n''leaky_relu'$'\n''tanh'$'\n''sigmoid'$'\n''gelu'$'\n''identity'
        return
        ;;
    '--epochs')
        return
        ;;
    '--batch-size')
        return
        ;;
    '--learning-rate')
        return
        ;;
    '--optimizer')
        __nimp_add_completions -W 'sgd'$'\n''adam'$'\n''adamw'
        return
        ;;
    '--weight-decay')
        return
        ;;
    '--schedule')
        __nimp_add_completions -W 'constant'$'\n''cosine'
        return
        ;;
    '--clip-norm')
        return
        ;;
    '--patience')
        return
        ;;
    '--learning-rate-drops')
        return
        ;;
    '--seed')
        return
        ;;
    '--init')
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    '--id')
        return
        ;;
    '--metrics')
        __nimp_add_completions -f
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--plot')
        __nimp_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    '--features')
        return
        ;;
    '--exclude')
        return
        ;;
    esac
}

_nimp_evaluate() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--data --latency-samples --output -o --task)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--data')
        __nimp_add_completions -f
        return
        ;;
    '--latency-samples')
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    esac
}

_nimp_predict() {
    repeating_flags=()
    non_repeating_flags=(--proba --quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--data --format --input-format --keep --output -o)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--data')
        __nimp_add_completions -f
        return
        ;;
    '--format')
        __nimp_add_completions -W 'jsonl'$'\n''csv'
        return
        ;;
    '--input-format')
        __nimp_add_completions -W 'safetensors'$'\n''csv'$'\n''jsonl'
        return
        ;;
    '--keep')
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    esac
}

_nimp_export() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--format --output -o --name)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __nimp_add_completions -W 'c'$'\n''onnx'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--name')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    esac
}

_nimp_import() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o --activation --task --feature-names --target-names)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    '--activation')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    '--feature-names')
        return
        ;;
    '--target-names')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -o plusdirs -fX '!*.@(safetensors|onnx)'
        return
        ;;
    esac
}

_nimp_optimize() {
    repeating_flags=()
    non_repeating_flags=(--calibrate --no-calibrate --quiet -q --verbose -v --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--quantize --prune-neurons --prune-weights --data --validation --validation-split --epochs --learning-rate --batch-size --max-quality-drop --steps --seed --latency-samples --id --output -o --task)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--quantize')
        return
        ;;
    '--prune-neurons')
        return
        ;;
    '--prune-weights')
        return
        ;;
    '--data')
        __nimp_add_completions -f
        return
        ;;
    '--validation')
        __nimp_add_completions -f
        return
        ;;
    '--validation-split')
        return
        ;;
    '--epochs')
        return
        ;;
    '--learning-rate')
        return
        ;;
    '--batch-size')
        return
        ;;
    '--max-quality-drop')
        return
        ;;
    '--steps')
        return
        ;;
    '--seed')
        return
        ;;
    '--latency-samples')
        return
        ;;
    '--id')
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    esac
}

_nimp_distill() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--teacher --data --validation --validation-split --hidden --activation --temperature --alpha --augment --noise --epochs --batch-size --learning-rate --optimizer --seed --latency-samples --id --output -o --task)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--teacher')
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    '--data')
        __nimp_add_completions -f
        return
        ;;
    '--validation')
        __nimp_add_completions -f
        return
        ;;
    '--validation-split')
        return
        ;;
    '--hidden')
        return
        ;;
    '--activation')
        __nimp_add_completions -W 'relu'$'\n''leaky_relu'$'\n''tanh'$'\n''sigmoid'$'\n''gelu'$'\n''identity'
        return
        ;;
    '--temperature')
        return
        ;;
    '--alpha')
        return
        ;;
    '--augment')
        return
        ;;
    '--noise')
        return
        ;;
    '--epochs')
        return
        ;;
    '--batch-size')
        return
        ;;
    '--learning-rate')
        return
        ;;
    '--optimizer')
        __nimp_add_completions -W 'sgd'$'\n''adam'$'\n''adamw'
        return
        ;;
    '--seed')
        return
        ;;
    '--latency-samples')
        return
        ;;
    '--id')
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    esac
}

_nimp_evolve() {
    repeating_flags=()
    non_repeating_flags=(--drop-missing --quiet -q --verbose -v --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--data --validation --validation-split --budget-seconds --population --generations --seed --cost-weight --cost --epochs --init --latency-samples --id --output -o --task --features --exclude)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data')
        __nimp_add_completions -f
        return
        ;;
    '--validation')
        __nimp_add_completions -f
        return
        ;;
    '--validation-split')
        return
        ;;
    '--budget-seconds')
        return
        ;;
    '--population')
        return
        ;;
    '--generations')
        return
        ;;
    '--seed')
        return
        ;;
    '--cost-weight')
        return
        ;;
    '--cost')
        __nimp_add_completions -W 'parameters'$'\n''latency'
        return
        ;;
    '--epochs')
        return
        ;;
    '--init')
        __nimp_add_completions -o plusdirs -fX '!*.@(json|nimp)'
        return
        ;;
    '--latency-samples')
        return
        ;;
    '--id')
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    '--features')
        return
        ;;
    '--exclude')
        return
        ;;
    esac
}

_nimp_cycle() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __nimp_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    run|plan|gate|status)
        # Offer subcommand argument completions
        "_nimp_cycle_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'run plan gate status' -- "${cur}"))
        ;;
    esac
}

_nimp_cycle_run() {
    repeating_flags=()
    non_repeating_flags=(--plan --force --keep-plan --quiet -q --verbose -v --version -h --help)
    repeating_options=(--sbatch-arg)
    non_repeating_options=(--registry --budget-seconds --textfile-dir --jobs --executor --partition --array-limit --time)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--budget-seconds')
        return
        ;;
    '--textfile-dir')
        __nimp_add_completions -d
        return
        ;;
    '--jobs')
        return
        ;;
    '--executor')
        __nimp_add_completions -W 'local'$'\n''slurm'
        return
        ;;
    '--partition')
        return
        ;;
    '--array-limit')
        return
        ;;
    '--time')
        return
        ;;
    '--sbatch-arg')
        return
        ;;
    esac
}

_nimp_cycle_plan() {
    repeating_flags=()
    non_repeating_flags=(--force --quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --output -o --budget-seconds)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -d
        return
        ;;
    '--budget-seconds')
        return
        ;;
    esac
}

_nimp_cycle_gate() {
    repeating_flags=()
    non_repeating_flags=(--finish --resubmit --quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --textfile-dir --wait)
    __nimp_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--textfile-dir')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __nimp_add_completions -f
        return
        ;;
    esac
}

_nimp_cycle_status() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --format)
    __nimp_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __nimp_add_completions -d
        return
        ;;
    esac
}

_nimp_task() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __nimp_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    run|add|list|rm)
        # Offer subcommand argument completions
        "_nimp_task_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'run add list rm' -- "${cur}"))
        ;;
    esac
}

_nimp_task_run() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o --registry --executor)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        __nimp_add_completions -d
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--executor')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -o plusdirs -fX '!*.@(json)'
        return
        ;;
    esac
}

_nimp_task_add() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--registry --kind --priority --max-parameters --max-bytes --max-latency-p50-us --wait)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--kind')
        __nimp_add_completions -W 'training'$'\n''optimization'$'\n''architecture'$'\n''distillation'
        return
        ;;
    '--priority')
        return
        ;;
    '--target')
        return
        ;;
    '--max-parameters')
        return
        ;;
    '--max-bytes')
        return
        ;;
    '--max-latency-p50-us')
        return
        ;;
    '--wait')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion task add -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_task_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --format)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    esac
}

_nimp_task_rm() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --wait)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac
}

_nimp_registry() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    esac

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    init|add|list|show|versions|lineage|history|signals|status|promote|rollback|refresh|verify|gc|export|config|report)
        # Offer subcommand argument completions
        "_nimp_registry_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'init add list show versions lineage history signals status promote rollback refresh verify gc export config report' -- "${cur}"))
        ;;
    esac
}

_nimp_registry_init() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --examples --version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --wait)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac
}

_nimp_registry_add() {
    repeating_flags=()
    non_repeating_flags=(--promote --quiet -q --verbose -v --version -h --help)
    repeating_options=(--target --target-column)
    non_repeating_options=(--data --eval --audit --audit-fraction --max-parameters --max-bytes --max-latency-p50-us --task --generator --teacher-command --files --samples --features --sampling --eval-fraction --seed --description --registry --wait)
    __nimp_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--data')
        __nimp_add_completions -f
        return
        ;;
    '--eval')
        __nimp_add_completions -f
        return
        ;;
    '--audit')
        __nimp_add_completions -f
        return
        ;;
    '--audit-fraction')
        return
        ;;
    '--target')
        return
        ;;
    '--max-parameters')
        return
        ;;
    '--max-bytes')
        return
        ;;
    '--max-latency-p50-us')
        return
        ;;
    '--target-column')
        return
        ;;
    '--task')
        __nimp_add_completions -W 'regression'$'\n''classification'
        return
        ;;
    '--generator')
        return
        ;;
    '--teacher-command')
        return
        ;;
    '--files')
        return
        ;;
    '--samples')
        return
        ;;
    '--features')
        return
        ;;
    '--sampling')
        __nimp_add_completions -W 'uniform'$'\n''active'
        return
        ;;
    '--eval-fraction')
        return
        ;;
    '--seed')
        return
        ;;
    '--description')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    2)
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    esac
}

_nimp_registry_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --format --output -o)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac
}

_nimp_registry_show() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --format --output -o)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry show -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_registry_versions() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --format --output -o)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry versions -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_registry_lineage() {
    repeating_flags=()
    non_repeating_flags=(--dot --version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --output -o)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry lineage -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_registry_history() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--model --since --type --limit --registry --format --output -o)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--model')
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry history -- --model "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    '--since')
        return
        ;;
    '--type')
        return
        ;;
    '--limit')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac
}

_nimp_registry_signals() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--limit --registry --format --output -o)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--limit')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac
}

_nimp_registry_status() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --format --output -o)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac
}

_nimp_registry_promote() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--reason --registry --wait)
    __nimp_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--reason')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry promote -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    2)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry promote -- positional@1 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_registry_rollback() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--reason --registry --wait)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--reason')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry rollback -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_registry_refresh() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=(--target-column)
    non_repeating_options=(--eval --audit --registry --wait)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--eval')
        __nimp_add_completions -f
        return
        ;;
    '--audit')
        __nimp_add_completions -f
        return
        ;;
    '--target-column')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry refresh -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_registry_verify() {
    repeating_flags=()
    non_repeating_flags=(--strict --quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--registry)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    esac
}

_nimp_registry_gc() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--keep --registry --wait)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--keep')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    esac
}

_nimp_registry_export() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o --format --registry)
    __nimp_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    '--format')
        return
        ;;
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __nimp_add_completions -W "$(__nimp_custom_complete ---completion registry export -- positional@0 "${COMP_CWORD}" "$(__nimp_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_nimp_registry_config() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --wait --format --output -o)
    __nimp_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--wait')
        return
        ;;
    '--format')
        __nimp_add_completions -W 'auto'$'\n''table'$'\n''json'
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -f
        return
        ;;
    esac
}

_nimp_registry_report() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--registry --output -o)
    __nimp_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--registry')
        __nimp_add_completions -d
        return
        ;;
    '--output'|'-o')
        __nimp_add_completions -o plusdirs -fX '!*.@(html)'
        return
        ;;
    esac
}

_nimp_tune() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--batch-size)
    __nimp_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--batch-size')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __nimp_add_completions -o plusdirs -fX '!*.@(nimp)'
        return
        ;;
    esac
}

_nimp_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __nimp_offer_flags_options -1
}

complete -o filenames -F _nimp nimp
