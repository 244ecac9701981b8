function __nimp_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __nimp_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __nimp_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __nimp_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __nimp_parse_tokens -S
    set -l unparsed_tokens (__nimp_tokens -pc)
    switch $unparsed_tokens[1]
    case 'nimp'
        __nimp_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'gen-data'
            __nimp_parse_subcommand 0 'generator=' 'input=' 'teacher=' 'teacher-command=' 'like=' 'features=' 'active-from=' 'labelled=' 'pool=' 'samples=' 'seed=' 'target=+' 'task=' 'format=' 'o/output=' 'timeout=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'train'
            __nimp_parse_subcommand 0 'data=' 'validation=' 'validation-split=' 'hidden=' 'activation=' 'epochs=' 'batch-size=' 'learning-rate=' 'optimizer=' 'weight-decay=' 'schedule=' 'clip-norm=' 'patience=' 'learning-rate-drops=' 'seed=' 'init=' 'id=' 'metrics=' 'o/output=' 'plot=' 'target=+' 'task=' 'features=' 'exclude=' 'drop-missing' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'evaluate'
            __nimp_parse_subcommand 1 'data=' 'latency-samples=' 'o/output=' 'target=+' 'task=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'predict'
            __nimp_parse_subcommand 1 'data=' 'format=' 'input-format=' 'keep=' 'proba' 'o/output=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'export'
            __nimp_parse_subcommand 1 'format=' 'o/output=' 'name=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'import'
            __nimp_parse_subcommand 1 'o/output=' 'activation=' 'task=' 'feature-names=' 'target-names=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'optimize'
            __nimp_parse_subcommand 1 'quantize=' 'calibrate' 'no-calibrate' 'prune-neurons=' 'prune-weights=' 'data=' 'validation=' 'validation-split=' 'epochs=' 'learning-rate=' 'batch-size=' 'max-quality-drop=' 'steps=' 'seed=' 'latency-samples=' 'id=' 'o/output=' 'target=+' 'task=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'distill'
            __nimp_parse_subcommand 0 'teacher=' 'data=' 'validation=' 'validation-split=' 'hidden=' 'activation=' 'temperature=' 'alpha=' 'augment=' 'noise=' 'epochs=' 'batch-size=' 'learning-rate=' 'optimizer=' 'seed=' 'latency-samples=' 'id=' 'o/output=' 'target=+' 'task=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'evolve'
            __nimp_parse_subcommand 0 'data=' 'validation=' 'validation-split=' 'budget-seconds=' 'population=' 'generations=' 'seed=' 'cost-weight=' 'cost=' 'epochs=' 'init=' 'latency-samples=' 'id=' 'o/output=' 'target=+' 'task=' 'features=' 'exclude=' 'drop-missing' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'cycle'
            __nimp_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'run'
                __nimp_parse_subcommand 0 'registry=' 'plan' 'force' 'budget-seconds=' 'textfile-dir=' 'keep-plan' 'jobs=' 'executor=' 'partition=' 'array-limit=' 'time=' 'sbatch-arg=+' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'plan'
                __nimp_parse_subcommand 0 'registry=' 'o/output=' 'force' 'budget-seconds=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'gate'
                __nimp_parse_subcommand -r 1 'registry=' 'finish' 'resubmit' 'textfile-dir=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'status'
                __nimp_parse_subcommand -r 1 'registry=' 'format=' 'version' 'h/help'
            end
        case 'task'
            __nimp_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'run'
                __nimp_parse_subcommand 1 'o/output=' 'registry=' 'executor=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'add'
                __nimp_parse_subcommand 1 'registry=' 'kind=' 'priority=' 'target=+' 'max-parameters=' 'max-bytes=' 'max-latency-p50-us=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'list'
                __nimp_parse_subcommand 0 'registry=' 'format=' 'version' 'h/help'
            case 'rm'
                __nimp_parse_subcommand 1 'registry=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            end
        case 'registry'
            __nimp_parse_subcommand 0 'registry=' 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'init'
                __nimp_parse_subcommand 0 'registry=' 'wait=' 'q/quiet' 'v/verbose' 'examples' 'version' 'h/help'
            case 'add'
                __nimp_parse_subcommand 2 'data=' 'eval=' 'audit=' 'audit-fraction=' 'target=+' 'max-parameters=' 'max-bytes=' 'max-latency-p50-us=' 'target-column=+' 'task=' 'generator=' 'teacher-command=' 'files=' 'samples=' 'features=' 'sampling=' 'eval-fraction=' 'seed=' 'description=' 'promote' 'registry=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'list'
                __nimp_parse_subcommand 0 'registry=' 'format=' 'o/output=' 'version' 'h/help'
            case 'show'
                __nimp_parse_subcommand 1 'registry=' 'format=' 'o/output=' 'version' 'h/help'
            case 'versions'
                __nimp_parse_subcommand 1 'registry=' 'format=' 'o/output=' 'version' 'h/help'
            case 'lineage'
                __nimp_parse_subcommand 1 'dot' 'registry=' 'o/output=' 'version' 'h/help'
            case 'history'
                __nimp_parse_subcommand 0 'model=' 'since=' 'type=' 'limit=' 'registry=' 'format=' 'o/output=' 'version' 'h/help'
            case 'signals'
                __nimp_parse_subcommand 0 'limit=' 'registry=' 'format=' 'o/output=' 'version' 'h/help'
            case 'status'
                __nimp_parse_subcommand 0 'registry=' 'format=' 'o/output=' 'version' 'h/help'
            case 'promote'
                __nimp_parse_subcommand 2 'reason=' 'registry=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'rollback'
                __nimp_parse_subcommand 1 'reason=' 'registry=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'refresh'
                __nimp_parse_subcommand 1 'eval=' 'audit=' 'target-column=+' 'registry=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'verify'
                __nimp_parse_subcommand 0 'strict' 'registry=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'gc'
                __nimp_parse_subcommand 0 'keep=' 'dry-run' 'registry=' 'wait=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'export'
                __nimp_parse_subcommand 1 'o/output=' 'format=' 'registry=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            case 'config'
                __nimp_parse_subcommand 2 'registry=' 'wait=' 'format=' 'o/output=' 'version' 'h/help'
            case 'report'
                __nimp_parse_subcommand 0 'registry=' 'o/output=' 'q/quiet' 'v/verbose' 'version' 'h/help'
            end
        case 'tune'
            __nimp_parse_subcommand -r 1 'batch-size=' 'q/quiet' 'v/verbose' 'version' 'h/help'
        case 'help'
            __nimp_parse_subcommand -r 1 'version'
        end
    end
end

function __nimp_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __nimp_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __nimp_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __nimp_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__nimp_tokens -p)
    if test -z "$(__nimp_tokens -t)"
        set -l index (count (__nimp_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'nimp' -f
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'gen-data' -d 'Make a dataset: from a built-in generator, a teacher model or command, or by importing CSV / JSON lines.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'train' -d 'Train a new model, or continue one, and write it as a model archive.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'evaluate' -d 'Measure a model\'s quality, latency and size on a dataset; print one JSON line.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'predict' -d 'Predict with a model: one output row per input row, in order.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'export' -d 'Write a model as a C99 header or an ONNX graph, to run where nimp does not.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'import' -d 'Make a nimp archive from a PyTorch state_dict (safetensors) or an ONNX graph.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'optimize' -d 'Make a model smaller and faster: int8/f16 quantization, neuron or weight pruning, fine-tuning, a quality budget.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'distill' -d 'Train a small student model from a teacher archive on teacher-labelled data.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'evolve' -d 'Search for a better architecture and training setup with a genetic algorithm.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'cycle' -d 'Run one improvement cycle over the registry (the job to run from cron).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'task' -d 'Run one task of a cycle, or queue tasks for the next one.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'registry' -d 'Keep models, versions, champions and history in a registry directory.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'tune' -d 'Measure which GEMM kernel is fastest at each of nimp\'s shapes on this CPU; cache the choice.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" generator' -l 'generator' -d 'A built-in generator.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" input' -l 'input' -d 'Import a CSV or JSON-lines file.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" teacher' -l 'teacher' -d 'Label inputs with this model archive.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" teacher-command' -l 'teacher-command' -d 'Label inputs with a command: one JSON array of inputs per line on its stdin, one JSON array of outputs per line on its stdout.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" like' -l 'like' -d 'Draw teacher inputs around the rows of this dataset.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" features' -l 'features' -d 'Number of features of uniform [0,1] teacher inputs (without --like).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" active-from' -l 'active-from' -d 'Choose the inputs to label where this surrogate of the generator or teacher is least sure, not uniformly.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" labelled' -l 'labelled' -d 'The labelled rows the --active-from surrogate learned from.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" pool' -l 'pool' -d 'Uniform candidates --active-from chooses among (default: 20 per sample, at least 2000).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" samples' -l 'samples' -d 'Number of samples to generate.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" seed' -l 'seed' -d 'Random seed.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data"' -l 'target' -d 'Target column(s) of an imported file.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" task' -l 'task' -d 'classification or regression (default: inferred from the target column).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" format' -l 'format' -d 'Output format: safetensors, csv or jsonl (default: from -o\'s extension, else jsonl).' -rfka 'safetensors csv jsonl'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" o output' -l 'output' -s 'o' -d 'Output file (default: stdout).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" timeout' -l 'timeout' -d 'Seconds a teacher command may run.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp gen-data" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" data' -l 'data' -d 'Training dataset.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" validation' -l 'validation' -d 'Validation dataset (early stopping and the manifest\'s metrics).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" validation-split' -l 'validation-split' -d 'Hold out this fraction of --data for validation when --validation is absent.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" hidden' -l 'hidden' -d 'Hidden layer sizes.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" activation' -l 'activation' -d 'Activation of hidden layers: relu, leaky_relu, tanh, sigmoid, gelu, identity.' -rfka 'relu leaky_relu tanh sigmoid gelu identity'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" epochs' -l 'epochs' -d 'Passes over the training data.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" batch-size' -l 'batch-size' -d 'Samples per step.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" learning-rate' -l 'learning-rate' -d 'Learning rate.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" optimizer' -l 'optimizer' -d 'adam, adamw or sgd (with momentum 0.9).' -rfka 'sgd adam adamw'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" weight-decay' -l 'weight-decay' -d 'Weight decay (decoupled for adamw, L2 otherwise).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" schedule' -l 'schedule' -d 'Learning-rate schedule: constant or cosine.' -rfka 'constant cosine'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" clip-norm' -l 'clip-norm' -d 'Clip gradients to this global norm.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" patience' -l 'patience' -d 'Stop after this many epochs without a better validation loss; keep the best.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" learning-rate-drops' -l 'learning-rate-drops' -d 'With --patience: when it runs out, go back to the best weights and on at a quarter of the learning rate, this many times, before stopping (the cycle\'s training tasks use 2).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" seed' -l 'seed' -d 'Random seed: the same seed reproduces a run bit for bit on the same machine.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" init' -l 'init' -d 'Continue training this archive.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" id' -l 'id' -d 'Model id recorded in the manifest.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" metrics' -l 'metrics' -d 'Write per-epoch metrics here instead of stdout.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" o output' -l 'output' -s 'o' -d 'The model archive to write.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" plot' -l 'plot' -d 'Also draw the learning curve (training and validation loss per epoch) as SVG here.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train"' -l 'target' -d 'Target column(s) of a CSV or JSON-lines dataset (default: the model\'s own). Several as a,b or a b.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" task' -l 'task' -d 'classification or regression, for a new model\'s CSV / JSON-lines data (default: inferred; a model\'s data: the model\'s task).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" features' -l 'features' -d 'Only these columns are inputs, in this order.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" exclude' -l 'exclude' -d 'Leave these columns out of the inputs.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" drop-missing' -l 'drop-missing' -d 'Leave out rows with a missing input value instead of filling it with the column\'s median or most frequent value.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp train" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp evaluate" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" data' -l 'data' -d 'The dataset to evaluate on.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" latency-samples' -l 'latency-samples' -d 'Single-sample predictions timed for the latency percentiles.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" o output' -l 'output' -s 'o' -d 'Write the JSON line here instead of stdout.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate"' -l 'target' -d 'Target column(s) of a CSV or JSON-lines dataset (default: the model\'s own). Several as a,b or a b.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" task' -l 'task' -d 'classification or regression, for a new model\'s CSV / JSON-lines data (default: inferred; a model\'s data: the model\'s task).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evaluate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp predict" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" data' -l 'data' -d 'The rows to predict: CSV, JSON lines or safetensors; - for stdin.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" format' -l 'format' -d 'Output format: jsonl or csv.' -rfka 'jsonl csv'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" input-format' -l 'input-format' -d 'Input format of stdin: csv or jsonl (default: from the file\'s extension or contents).' -rfka 'safetensors csv jsonl'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" keep' -l 'keep' -d 'Columns passed through to each output row, e.g. an id.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" proba' -l 'proba' -d 'Also write each class\'s probability (classifiers).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" o output' -l 'output' -s 'o' -d 'Write here (atomically) instead of stdout.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp predict" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp export" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp export" format' -l 'format' -d 'c (a C99 header) or onnx (an ONNX graph, opset 17; 20 with GELU).' -rfka 'c onnx'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp export" o output' -l 'output' -s 'o' -d 'Where to write it (- for stdout).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp export" name' -l 'name' -d 'The prefix of the C names (default: from the output file\'s name).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp export" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp export" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp export" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp import" -eq 1' -fa '(set -l exts \'safetensors\' \'onnx\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" o output' -l 'output' -s 'o' -d 'The archive to write.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" activation' -l 'activation' -d 'Hidden activation(s): one for all hidden layers, or one per layer (relu,tanh,…).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" task' -l 'task' -d 'classification or regression (default: a final Softmax or the file\'s metadata says; else regression).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" feature-names' -l 'feature-names' -d 'Names of the inputs, comma-separated (default x0, x1, …).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" target-names' -l 'target-names' -d 'Class names (a classifier) or output names (a regressor), comma-separated.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp optimize" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" quantize' -l 'quantize' -d 'Store weights as int8 (per output channel) or f16.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" calibrate' -l 'calibrate' -d 'Calibrate int8 rounding on the data (error-compensating rounding and bias correction); without data, or with --no-calibrate, plain per-channel rounding.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" no-calibrate' -l 'no-calibrate' -d 'Calibrate int8 rounding on the data (error-compensating rounding and bias correction); without data, or with --no-calibrate, plain per-channel rounding.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" prune-neurons' -l 'prune-neurons' -d 'Remove this fraction of every hidden layer\'s units.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" prune-weights' -l 'prune-weights' -d 'Zero this fraction of the weights of every layer but the output layer, by magnitude.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" data' -l 'data' -d 'Fine-tuning data (and the source of a held-out split).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" validation' -l 'validation' -d 'Held-out data for the quality budget and the comparison.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" validation-split' -l 'validation-split' -d 'Fraction of --data held out when a held-out set is needed and --validation is absent.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" epochs' -l 'epochs' -d 'Fine-tuning epochs after each pruning step (0: none).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" learning-rate' -l 'learning-rate' -d 'Fine-tuning learning rate (default: a third of the parent\'s).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" batch-size' -l 'batch-size' -d 'Fine-tuning batch size (default: the parent\'s).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" max-quality-drop' -l 'max-quality-drop' -d 'Quality budget: the largest drop of held-out R² or accuracy to accept.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" steps' -l 'steps' -d 'Steps of the --max-quality-drop schedule.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" seed' -l 'seed' -d 'Random seed for the held-out split and fine-tuning.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" latency-samples' -l 'latency-samples' -d 'Single-sample predictions timed for the latency comparison.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" id' -l 'id' -d 'Model id recorded in the manifest (default: the parent\'s).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" o output' -l 'output' -s 'o' -d 'The model archive to write.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize"' -l 'target' -d 'Target column(s) of a CSV or JSON-lines dataset (default: the model\'s own). Several as a,b or a b.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" task' -l 'task' -d 'classification or regression, for a new model\'s CSV / JSON-lines data (default: inferred; a model\'s data: the model\'s task).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp optimize" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" teacher' -l 'teacher' -d 'The teacher model archive.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" data' -l 'data' -d 'Inputs (with their true labels) for the teacher to label.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" validation' -l 'validation' -d 'Held-out data for the comparison.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" validation-split' -l 'validation-split' -d 'Hold out this fraction of --data when --validation is absent.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" hidden' -l 'hidden' -d 'The student\'s hidden layer sizes.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" activation' -l 'activation' -d 'Activation of the student\'s hidden layers.' -rfka 'relu leaky_relu tanh sigmoid gelu identity'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" temperature' -l 'temperature' -d 'Softmax temperature of the teacher\'s soft targets (classification).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" alpha' -l 'alpha' -d 'Weight of the teacher\'s targets; the true labels get 1 − alpha.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" augment' -l 'augment' -d 'Extra teacher-labelled inputs generated around --data.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" noise' -l 'noise' -d 'Noise of augmented inputs, in standard deviations of each feature.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" epochs' -l 'epochs' -d 'Passes over the training data.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" batch-size' -l 'batch-size' -d 'Samples per step.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" learning-rate' -l 'learning-rate' -d 'Learning rate.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" optimizer' -l 'optimizer' -d 'adam, adamw or sgd.' -rfka 'sgd adam adamw'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" seed' -l 'seed' -d 'Random seed.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" latency-samples' -l 'latency-samples' -d 'Single-sample predictions timed for the latency comparison.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" id' -l 'id' -d 'Model id recorded in the manifest (default: the teacher\'s).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" o output' -l 'output' -s 'o' -d 'The student archive to write.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill"' -l 'target' -d 'Target column(s) of a CSV or JSON-lines dataset (default: the model\'s own). Several as a,b or a b.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" task' -l 'task' -d 'classification or regression, for a new model\'s CSV / JSON-lines data (default: inferred; a model\'s data: the model\'s task).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp distill" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" data' -l 'data' -d 'Training dataset.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" validation' -l 'validation' -d 'Held-out dataset the fitness is measured on.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" validation-split' -l 'validation-split' -d 'Hold out this fraction of --data when --validation is absent.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" budget-seconds' -l 'budget-seconds' -d 'Wall-time budget: no generation starts that would likely end after it.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" population' -l 'population' -d 'Genomes per generation.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" generations' -l 'generations' -d 'Generations to run (default 10; with --budget-seconds, until the budget is spent).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" seed' -l 'seed' -d 'Random seed: the same seed reproduces the search.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" cost-weight' -l 'cost-weight' -d 'Weight of the relative cost in the fitness.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" cost' -l 'cost' -d 'What a network costs: parameters (reproducible) or latency (measured).' -rfka 'parameters latency'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" epochs' -l 'epochs' -d 'Training epochs of every genome.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" init' -l 'init' -d 'Warm start from a genome JSON file or a model archive.' -rfa '(set -l exts \'json\' \'nimp\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" latency-samples' -l 'latency-samples' -d 'Single-sample predictions timed for the latency comparison.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" id' -l 'id' -d 'Model id recorded in the manifest.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" o output' -l 'output' -s 'o' -d 'The winner\'s model archive.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve"' -l 'target' -d 'Target column(s) of a CSV or JSON-lines dataset (default: the model\'s own). Several as a,b or a b.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" task' -l 'task' -d 'classification or regression, for a new model\'s CSV / JSON-lines data (default: inferred; a model\'s data: the model\'s task).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" features' -l 'features' -d 'Only these columns are inputs, in this order.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" exclude' -l 'exclude' -d 'Leave these columns out of the inputs.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" drop-missing' -l 'drop-missing' -d 'Leave out rows with a missing input value instead of filling it with the column\'s median or most frequent value.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp evolve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp cycle" -eq 1' -fa 'run' -d 'Plan, run and gate one cycle (the default: `nimp cycle`).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp cycle" -eq 1' -fa 'plan' -d 'Write a cycle\'s task files (the first step), without the lock and changing nothing else.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp cycle" -eq 1' -fa 'gate' -d 'Gate task results (the last step): measure each candidate again and promote the better ones.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp cycle" -eq 1' -fa 'status' -d 'Show the cycles in flight: each plan\'s tasks done, failed, running and pending, with Slurm\'s job ids.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" plan' -l 'plan' -d 'Print the plan as JSON lines and change nothing.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" force' -l 'force' -d 'Run even if the last cycle ended less than improvement_interval ago.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" budget-seconds' -l 'budget-seconds' -d 'Wall-time budget for the cycle\'s tasks, in seconds.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" textfile-dir' -l 'textfile-dir' -d 'Write a Prometheus textfile (nimp.prom) for node_exporter here.' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" keep-plan' -l 'keep-plan' -d 'Keep the plan directory (task files, candidates, logs) under REGISTRY/cycles after the gate.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" jobs' -l 'jobs' -d 'Task processes at once (default: max_concurrent_tasks, lowered by cortisol, at most the free cores).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" executor' -l 'executor' -d 'Where tasks run: local (processes on this machine) or slurm (a job array on the cluster).' -rfka 'local slurm'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" partition' -l 'partition' -d 'Slurm partition for the cycle\'s jobs.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" array-limit' -l 'array-limit' -d 'Slurm array elements running at once (sbatch --array=…%N).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" time' -l 'time' -d 'Time limit of each Slurm task (sbatch --time; default: from the task\'s budget).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run"' -l 'sbatch-arg' -d 'An argument for every sbatch call, e.g. --sbatch-arg=--account=ml (repeatable).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" o output' -l 'output' -s 'o' -d 'The plan directory (default: a new one under REGISTRY/cycles).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" force' -l 'force' -d 'Plan even if the last cycle ended less than improvement_interval ago.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" budget-seconds' -l 'budget-seconds' -d 'Wall-time budget of the cycle, in seconds; each task file gets its share.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle plan" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp cycle gate" -ge 1' -F
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" finish' -l 'finish' -d 'Record the tasks of a plan directory that left no result as failed, so the plan is done.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" resubmit' -l 'resubmit' -d 'For a plan handed to Slurm (what its gate job runs): resubmit the tasks that left no result, up to max_task_retries each, else gate them all.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" textfile-dir' -l 'textfile-dir' -d 'Write a Prometheus textfile (nimp.prom) for node_exporter here.' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle gate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle status" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp cycle status" -ge 1' -fa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle status" format' -l 'format' -d 'Output format.' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle status" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp cycle status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp task" -eq 1' -fa 'run' -d 'Run one task file and write its candidate and result (no registry lock).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp task" -eq 1' -fa 'add' -d 'Queue a task for the next cycle, which takes queued tasks before its own.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp task" -eq 1' -fa 'list' -d 'List the queued tasks, oldest first (a table on a terminal, JSON lines otherwise).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp task" -eq 1' -fa 'rm' -d 'Remove a queued task (exit 66 when there is no such task).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp task run" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'json\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task run" o output' -l 'output' -s 'o' -d 'Where to write the candidate and result.' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task run" registry' -l 'registry' -d 'Read this registry instead of the one the task names (another mount point).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task run" executor' -l 'executor' -d 'Who runs the task, recorded in history (local, slurm, parallel…).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task run" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task run" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task run" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp task add" -eq 1' -fka '(__nimp_custom_completion ---completion task add -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" kind' -l 'kind' -d 'The improvement kind.' -rfka 'training optimization architecture distillation'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" priority' -l 'priority' -d 'Priority among queued tasks (higher first).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add"' -l 'target' -d 'A target for this task\'s gate, e.g. accuracy=0.9 (repeatable).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" max-parameters' -l 'max-parameters' -d 'A hard constraint: at most this many parameters.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" max-bytes' -l 'max-bytes' -d 'A hard constraint: at most this many archive bytes.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" max-latency-p50-us' -l 'max-latency-p50-us' -d 'A hard constraint: median latency at most this many microseconds.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task list" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task list" format' -l 'format' -d 'Output format.' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task list" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task rm" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task rm" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task rm" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task rm" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task rm" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp task rm" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'init' -d 'Create a registry directory (an existing one is left as it is).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'add' -d 'Add a model (version 1, the champion) or, without --data, a new version of an existing model.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'list' -d 'List the models: task, versions, champion and its held-out metrics.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'show' -d 'Show one model (its model.json, champion and versions) or one version\'s manifest (ID@VERSION).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'versions' -d 'List a model\'s versions: parent, operation, metrics, size, champion.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'lineage' -d 'Show a model\'s version graph: parent, operation, teacher, metrics.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'history' -d 'Print history: tasks, cycles, promotions, rollbacks, adds, gc, lock takeovers.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'signals' -d 'Show the signal levels (dopamine, cortisol, growth, serotonin) and their recent history.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'status' -d 'Show the brain state: models, champions, last cycle, lock holder, signals, machine, settings.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'promote' -d 'Make a version the champion of its model.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'rollback' -d 'Make the previous champion of a model the champion again.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'refresh' -d 'Give a model fresh held-out rows: a new eval set (and audit set).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'verify' -d 'Check every archive, champion pointer, model.json, dataset and history line.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'gc' -d 'Remove old versions: keep the newest N per model, champions, previous champions and their lineage.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'export' -d 'Copy a model\'s champion (ID) or a version (ID@VERSION) out of the registry.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'config' -d 'Show or change settings (config.json).'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry" -eq 1' -fa 'report' -d 'Write an HTML report with charts: quality over versions, trade-offs, gains and signals over cycles.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry init" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry init" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry init" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry init" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry init" examples' -l 'examples' -d 'Seed the registry with the four example signal models.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry init" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry add" -eq 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" data' -l 'data' -d 'Training dataset (safetensors, CSV or JSON lines).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" eval' -l 'eval' -d 'Held-out eval dataset the gate decides on.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" audit' -l 'audit' -d 'Held-out audit dataset no decision reads (default: carved out of the eval set).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" audit-fraction' -l 'audit-fraction' -d 'Fraction of the eval set kept aside as the audit set when --audit is absent (0: no audit set).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add"' -l 'target' -d 'A target for the model, e.g. r2=0.99 or latency_p50_us=2 (repeatable).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" max-parameters' -l 'max-parameters' -d 'Constraint: the most parameters a version may have.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" max-bytes' -l 'max-bytes' -d 'Constraint: the largest archive a version may be, in bytes.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" max-latency-p50-us' -l 'max-latency-p50-us' -d 'Constraint: the slowest single-sample p50 latency a version may have, in µs.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add"' -l 'target-column' -d 'Target column of CSV / JSON-lines datasets (repeatable).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" task' -l 'task' -d 'classification or regression, for CSV / JSON-lines datasets (default: inferred).' -rfka 'regression classification'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" generator' -l 'generator' -d 'New data comes from this built-in generator, e.g. signal/dopamine.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" teacher-command' -l 'teacher-command' -d 'New data is labelled by this command (JSON lines in, JSON lines out); later runs it only from a model.json no other user can write.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" files' -l 'files' -d 'New data arrives as files matching this glob.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" samples' -l 'samples' -d 'Samples per generated dataset, and per cycle task\'s fresh rows (with --sampling, default a tenth of the training set).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" features' -l 'features' -d 'Inputs the teacher command expects.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" sampling' -l 'sampling' -d 'How cycle tasks draw fresh rows from the generator or teacher command: uniform, or active (where the champion is least sure). A teacher command is asked for rows in tasks only when this is given; the rows are then kept (added to the training set).' -rfka 'uniform active'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" eval-fraction' -l 'eval-fraction' -d 'Fraction of --data held out for evaluation when --eval is absent.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" seed' -l 'seed' -d 'Seed for the held-out split and generated data.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" description' -l 'description' -d 'A short description for model.json.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" promote' -l 'promote' -d 'When adding a version: also make it the champion.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry list" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry list" format' -l 'format' -d 'table, json (JSON lines) or auto (a table on a terminal).' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry list" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout (JSON lines unless --format table).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry list" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry show" -eq 1' -fka '(__nimp_custom_completion ---completion registry show -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry show" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry show" format' -l 'format' -d 'table, json (JSON lines) or auto (a table on a terminal).' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry show" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout (JSON lines unless --format table).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry show" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry versions" -eq 1' -fka '(__nimp_custom_completion ---completion registry versions -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry versions" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry versions" format' -l 'format' -d 'table, json (JSON lines) or auto (a table on a terminal).' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry versions" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout (JSON lines unless --format table).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry versions" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry versions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry lineage" -eq 1' -fka '(__nimp_custom_completion ---completion registry lineage -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry lineage" dot' -l 'dot' -d 'Print a Graphviz dot graph.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry lineage" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry lineage" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry lineage" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry lineage" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" model' -l 'model' -d 'Only entries about this model.' -rfka '(__nimp_custom_completion ---completion registry history -- --model (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" since' -l 'since' -d 'Only entries at or after TIME: ISO 8601 (2025-01-31 or 2025-01-31T12:00:00Z) or an age like 30m, 6h, 2d.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" type' -l 'type' -d 'Only entries of this type (task, cycle, promote, rollback, add, version, gc, config, lock-takeover).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" limit' -l 'limit' -d 'Only the newest N entries.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" format' -l 'format' -d 'table, json (JSON lines) or auto (a table on a terminal).' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout (JSON lines unless --format table).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry history" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry signals" limit' -l 'limit' -d 'Snapshots of history to show.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry signals" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry signals" format' -l 'format' -d 'table, json (JSON lines) or auto (a table on a terminal).' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry signals" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout (JSON lines unless --format table).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry signals" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry signals" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry status" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry status" format' -l 'format' -d 'table, json (JSON lines) or auto (a table on a terminal).' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry status" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout (JSON lines unless --format table).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry status" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry promote" -eq 1' -fka '(__nimp_custom_completion ---completion registry promote -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry promote" -eq 2' -fka '(__nimp_custom_completion ---completion registry promote -- positional@1 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry promote" reason' -l 'reason' -d 'Why, for history.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry promote" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry promote" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry promote" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry promote" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry promote" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry promote" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry rollback" -eq 1' -fka '(__nimp_custom_completion ---completion registry rollback -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry rollback" reason' -l 'reason' -d 'Why, for history.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry rollback" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry rollback" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry rollback" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry rollback" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry rollback" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry rollback" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry refresh" -eq 1' -fka '(__nimp_custom_completion ---completion registry refresh -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" eval' -l 'eval' -d 'New eval dataset (default: regenerated from the model\'s generator or teacher command).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" audit' -l 'audit' -d 'New audit dataset.' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh"' -l 'target-column' -d 'Target column of CSV / JSON-lines datasets (repeatable).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry refresh" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry verify" strict' -l 'strict' -d 'Count warnings as problems.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry verify" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry verify" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry verify" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry verify" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" keep' -l 'keep' -d 'Versions to keep per model (default: keep_versions of config.json).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" dry-run' -l 'dry-run' -d 'Report what would be removed; remove nothing.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry gc" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp registry export" -eq 1' -fka '(__nimp_custom_completion ---completion registry export -- positional@0 (count (__nimp_tokens -pc)) (string length -- "$(commandline -ct)"))'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry export" o output' -l 'output' -s 'o' -d 'Where to write the archive (- for stdout).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry export" format' -l 'format' -d 'nimp (the archive, default), c or onnx (as `nimp export` writes them).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry export" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry export" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry export" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry export" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry config" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry config" wait' -l 'wait' -d 'Wait up to this many seconds for the registry lock (default: fail at once with exit 75).' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry config" format' -l 'format' -d 'table, json (JSON lines) or auto (a table on a terminal).' -rfka 'auto table json'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry config" o output' -l 'output' -s 'o' -d 'Write the output here instead of stdout (JSON lines unless --format table).' -rF
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry config" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry report" registry' -l 'registry' -d 'The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).' -rfa '(__nimp_complete_directories)'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry report" o output' -l 'output' -s 'o' -d 'Write the page here (default: stdout).' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'html\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry report" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry report" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry report" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp registry report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_positional "nimp tune" -ge 1' -fa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'nimp\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp tune" batch-size' -l 'batch-size' -d 'Training batch size of the models\' shapes.' -rfka ''
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp tune" q quiet' -l 'quiet' -s 'q' -d 'Only errors and warnings on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp tune" v verbose' -l 'verbose' -s 'v' -d 'More detail on stderr.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp tune" version' -l 'version' -d 'Show the version.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp tune" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'nimp' -n '__nimp_should_offer_completions_for_flags_or_options "nimp help" version' -l 'version' -d 'Show the version.'
