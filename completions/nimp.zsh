#compdef nimp

__nimp_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__nimp_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __nimp_complete "${completions[@]:0:-1}"
    fi
}

__nimp_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_nimp() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'gen-data:Make a dataset: from a built-in generator, a teacher model or command, or by importing CSV / JSON lines.'
            'train:Train a new model, or continue one, and write it as a model archive.'
            'evaluate:Measure a model'\''s quality, latency and size on a dataset; print one JSON line.'
            'predict:Predict with a model: one output row per input row, in order.'
            'export:Write a model as a C99 header or an ONNX graph, to run where nimp does not.'
            'import:Make a nimp archive from a PyTorch state_dict (safetensors) or an ONNX graph.'
            'optimize:Make a model smaller and faster: int8/f16 quantization, neuron or weight pruning, fine-tuning, a quality budget.'
            'distill:Train a small student model from a teacher archive on teacher-labelled data.'
            'evolve:Search for a better architecture and training setup with a genetic algorithm.'
            'cycle:Run one improvement cycle over the registry (the job to run from cron).'
            'task:Run one task of a cycle, or queue tasks for the next one.'
            'registry:Keep models, versions, champions and history in a registry directory.'
            'tune:Measure which GEMM kernel is fastest at each of nimp'\''s shapes on this CPU; cache the choice.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        gen-data|train|evaluate|predict|export|import|optimize|distill|evolve|cycle|task|registry|tune|help)
            "_nimp_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_nimp_gen-data() {
    local -i ret=1
    local -ar ___task=('regression' 'classification')
    local -ar ___format=('safetensors' 'csv' 'jsonl')
    local -ar arg_specs=(
        '--generator[A built-in generator.]:signal/dopamine|signal/cortisol|signal/serotonin|signal/growth:'
        '--input[Import a CSV or JSON-lines file.]:file:_files'
        '--teacher[Label inputs with this model archive.]:model.nimp:_files -g '\''*.nimp'\'''
        '--teacher-command[Label inputs with a command\: one JSON array of inputs per line on its stdin, one JSON array of outputs per line on its stdout.]:command:'
        '--like[Draw teacher inputs around the rows of this dataset.]:dataset:_files'
        '--features[Number of features of uniform \[0,1\] teacher inputs (without --like).]:features:'
        '--active-from[Choose the inputs to label where this surrogate of the generator or teacher is least sure, not uniformly.]:model.nimp:_files -g '\''*.nimp'\'''
        '--labelled[The labelled rows the --active-from surrogate learned from.]:dataset:_files'
        '--pool[Uniform candidates --active-from chooses among (default\: 20 per sample, at least 2000).]:pool:'
        '--samples[Number of samples to generate.]:samples:'
        '--seed[Random seed.]:seed:'
        '--target[Target column(s) of an imported file.]:column:'
        '--task[classification or regression (default\: inferred from the target column).]:task:{__nimp_complete "${___task[@]}"}'
        '--format[Output format\: safetensors, csv or jsonl (default\: from -o'\''s extension, else jsonl).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Output file (default\: stdout).]:file:_files'
        '--timeout[Seconds a teacher command may run.]:timeout:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_train() {
    local -i ret=1
    local -ar ___activation=('relu' 'leaky_relu' 'tanh' 'sigmoid' 'gelu' 'identity')
    local -ar ___optimizer=('sgd' 'adam' 'adamw')
    local -ar ___schedule=('constant' 'cosine')
    local -ar ___task=('regression' 'classification')
    local -ar arg_specs=(
        '--data[Training dataset.]:dataset:_files'
        '--validation[Validation dataset (early stopping and the manifest'\''s metrics).]:dataset:_files'
        '--validation-split[Hold out this fraction of --data for validation when --validation is absent.]:validation-split:'
        '--hidden[Hidden layer sizes.]:64,64:'
        '--activation[Activation of hidden layers\: relu, leaky_relu, tanh, sigmoid, gelu, identity.]:activation:{__nimp_complete "${___activation[@]}"}'
        '--epochs[Passes over the training data.]:epochs:'
        '--batch-size[Samples per step.]:batch-size:'
        '--learning-rate[Learning rate.]:learning-rate:'
        '--optimizer[adam, adamw or sgd (with momentum 0.9).]:optimizer:{__nimp_complete "${___optimizer[@]}"}'
        '--weight-decay[Weight decay (decoupled for adamw, L2 otherwise).]:weight-decay:'
        '--schedule[Learning-rate schedule\: constant or cosine.]:schedule:{__nimp_complete "${___schedule[@]}"}'
        '--clip-norm[Clip gradients to this global norm.]:clip-norm:'
        '--patience[Stop after this many epochs without a better validation loss; keep the best.]:patience:'
        '--learning-rate-drops[With --patience\: when it runs out, go back to the best weights and on at a quarter of the learning rate, this many times, before stopping (the cycle'\''s training tasks use 2).]:learning-rate-drops:'
        '--seed[Random seed\: the same seed reproduces a run bit for bit on the same machine.]:seed:'
        '--init[Continue training this archive.]:model.nimp:_files -g '\''*.nimp'\'''
        '--id[Model id recorded in the manifest.]:id:'
        '--metrics[Write per-epoch metrics here instead of stdout.]:file:_files'
        '(--output -o)'{--output,-o}'[The model archive to write.]:model.nimp:_files'
        '--plot[Also draw the learning curve (training and validation loss per epoch) as SVG here.]:curve.svg:_files'
        '--target[Target column(s) of a CSV or JSON-lines dataset (default\: the model'\''s own). Several as a,b or a b.]:column:'
        '--task[classification or regression, for a new model'\''s CSV / JSON-lines data (default\: inferred; a model'\''s data\: the model'\''s task).]:task:{__nimp_complete "${___task[@]}"}'
        '--features[Only these columns are inputs, in this order.]:a,b,c:'
        '--exclude[Leave these columns out of the inputs.]:x,y:'
        '--drop-missing[Leave out rows with a missing input value instead of filling it with the column'\''s median or most frequent value.]'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_evaluate() {
    local -i ret=1
    local -ar ___task=('regression' 'classification')
    local -ar arg_specs=(
        ':model.nimp:_files -g '\''*.nimp'\'''
        '--data[The dataset to evaluate on.]:dataset:_files'
        '--latency-samples[Single-sample predictions timed for the latency percentiles.]:latency-samples:'
        '(--output -o)'{--output,-o}'[Write the JSON line here instead of stdout.]:file:_files'
        '--target[Target column(s) of a CSV or JSON-lines dataset (default\: the model'\''s own). Several as a,b or a b.]:column:'
        '--task[classification or regression, for a new model'\''s CSV / JSON-lines data (default\: inferred; a model'\''s data\: the model'\''s task).]:task:{__nimp_complete "${___task[@]}"}'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_predict() {
    local -i ret=1
    local -ar ___format=('jsonl' 'csv')
    local -ar ___input_format=('safetensors' 'csv' 'jsonl')
    local -ar arg_specs=(
        ':model.nimp:_files -g '\''*.nimp'\'''
        '--data[The rows to predict\: CSV, JSON lines or safetensors; - for stdin.]:file:_files'
        '--format[Output format\: jsonl or csv.]:format:{__nimp_complete "${___format[@]}"}'
        '--input-format[Input format of stdin\: csv or jsonl (default\: from the file'\''s extension or contents).]:format:{__nimp_complete "${___input_format[@]}"}'
        '--keep[Columns passed through to each output row, e.g. an id.]:a,b:'
        '--proba[Also write each class'\''s probability (classifiers).]'
        '(--output -o)'{--output,-o}'[Write here (atomically) instead of stdout.]:file:_files'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_export() {
    local -i ret=1
    local -ar ___format=('c' 'onnx')
    local -ar arg_specs=(
        ':model.nimp:_files -g '\''*.nimp'\'''
        '--format[c (a C99 header) or onnx (an ONNX graph, opset 17; 20 with GELU).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Where to write it (- for stdout).]:file:_files'
        '--name[The prefix of the C names (default\: from the output file'\''s name).]:name:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_import() {
    local -i ret=1
    local -ar ___task=('regression' 'classification')
    local -ar arg_specs=(
        ':file:_files -g '\''*.safetensors *.onnx'\'''
        '(--output -o)'{--output,-o}'[The archive to write.]:model.nimp:_files -g '\''*.nimp'\'''
        '--activation[Hidden activation(s)\: one for all hidden layers, or one per layer (relu,tanh,…).]:names:'
        '--task[classification or regression (default\: a final Softmax or the file'\''s metadata says; else regression).]:task:{__nimp_complete "${___task[@]}"}'
        '--feature-names[Names of the inputs, comma-separated (default x0, x1, …).]:names:'
        '--target-names[Class names (a classifier) or output names (a regressor), comma-separated.]:names:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_optimize() {
    local -i ret=1
    local -ar ___task=('regression' 'classification')
    local -ar arg_specs=(
        ':model.nimp:_files -g '\''*.nimp'\'''
        '--quantize[Store weights as int8 (per output channel) or f16.]:int8|f16:'
        '--calibrate[Calibrate int8 rounding on the data (error-compensating rounding and bias correction); without data, or with --no-calibrate, plain per-channel rounding.]'
        '--no-calibrate[Calibrate int8 rounding on the data (error-compensating rounding and bias correction); without data, or with --no-calibrate, plain per-channel rounding.]'
        '--prune-neurons[Remove this fraction of every hidden layer'\''s units.]:fraction:'
        '--prune-weights[Zero this fraction of the weights of every layer but the output layer, by magnitude.]:fraction:'
        '--data[Fine-tuning data (and the source of a held-out split).]:dataset:_files'
        '--validation[Held-out data for the quality budget and the comparison.]:dataset:_files'
        '--validation-split[Fraction of --data held out when a held-out set is needed and --validation is absent.]:validation-split:'
        '--epochs[Fine-tuning epochs after each pruning step (0\: none).]:epochs:'
        '--learning-rate[Fine-tuning learning rate (default\: a third of the parent'\''s).]:learning-rate:'
        '--batch-size[Fine-tuning batch size (default\: the parent'\''s).]:batch-size:'
        '--max-quality-drop[Quality budget\: the largest drop of held-out R² or accuracy to accept.]:X:'
        '--steps[Steps of the --max-quality-drop schedule.]:steps:'
        '--seed[Random seed for the held-out split and fine-tuning.]:seed:'
        '--latency-samples[Single-sample predictions timed for the latency comparison.]:latency-samples:'
        '--id[Model id recorded in the manifest (default\: the parent'\''s).]:id:'
        '(--output -o)'{--output,-o}'[The model archive to write.]:out.nimp:_files'
        '--target[Target column(s) of a CSV or JSON-lines dataset (default\: the model'\''s own). Several as a,b or a b.]:column:'
        '--task[classification or regression, for a new model'\''s CSV / JSON-lines data (default\: inferred; a model'\''s data\: the model'\''s task).]:task:{__nimp_complete "${___task[@]}"}'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_distill() {
    local -i ret=1
    local -ar ___activation=('relu' 'leaky_relu' 'tanh' 'sigmoid' 'gelu' 'identity')
    local -ar ___optimizer=('sgd' 'adam' 'adamw')
    local -ar ___task=('regression' 'classification')
    local -ar arg_specs=(
        '--teacher[The teacher model archive.]:model.nimp:_files -g '\''*.nimp'\'''
        '--data[Inputs (with their true labels) for the teacher to label.]:dataset:_files'
        '--validation[Held-out data for the comparison.]:dataset:_files'
        '--validation-split[Hold out this fraction of --data when --validation is absent.]:validation-split:'
        '--hidden[The student'\''s hidden layer sizes.]:16,16:'
        '--activation[Activation of the student'\''s hidden layers.]:activation:{__nimp_complete "${___activation[@]}"}'
        '--temperature[Softmax temperature of the teacher'\''s soft targets (classification).]:temperature:'
        '--alpha[Weight of the teacher'\''s targets; the true labels get 1 − alpha.]:alpha:'
        '--augment[Extra teacher-labelled inputs generated around --data.]:augment:'
        '--noise[Noise of augmented inputs, in standard deviations of each feature.]:noise:'
        '--epochs[Passes over the training data.]:epochs:'
        '--batch-size[Samples per step.]:batch-size:'
        '--learning-rate[Learning rate.]:learning-rate:'
        '--optimizer[adam, adamw or sgd.]:optimizer:{__nimp_complete "${___optimizer[@]}"}'
        '--seed[Random seed.]:seed:'
        '--latency-samples[Single-sample predictions timed for the latency comparison.]:latency-samples:'
        '--id[Model id recorded in the manifest (default\: the teacher'\''s).]:id:'
        '(--output -o)'{--output,-o}'[The student archive to write.]:out.nimp:_files'
        '--target[Target column(s) of a CSV or JSON-lines dataset (default\: the model'\''s own). Several as a,b or a b.]:column:'
        '--task[classification or regression, for a new model'\''s CSV / JSON-lines data (default\: inferred; a model'\''s data\: the model'\''s task).]:task:{__nimp_complete "${___task[@]}"}'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_evolve() {
    local -i ret=1
    local -ar ___cost=('parameters' 'latency')
    local -ar ___task=('regression' 'classification')
    local -ar arg_specs=(
        '--data[Training dataset.]:dataset:_files'
        '--validation[Held-out dataset the fitness is measured on.]:dataset:_files'
        '--validation-split[Hold out this fraction of --data when --validation is absent.]:validation-split:'
        '--budget-seconds[Wall-time budget\: no generation starts that would likely end after it.]:budget-seconds:'
        '--population[Genomes per generation.]:population:'
        '--generations[Generations to run (default 10; with --budget-seconds, until the budget is spent).]:generations:'
        '--seed[Random seed\: the same seed reproduces the search.]:seed:'
        '--cost-weight[Weight of the relative cost in the fitness.]:cost-weight:'
        '--cost[What a network costs\: parameters (reproducible) or latency (measured).]:cost:{__nimp_complete "${___cost[@]}"}'
        '--epochs[Training epochs of every genome.]:epochs:'
        '--init[Warm start from a genome JSON file or a model archive.]:GENOME.json|model.nimp:_files -g '\''*.json *.nimp'\'''
        '--latency-samples[Single-sample predictions timed for the latency comparison.]:latency-samples:'
        '--id[Model id recorded in the manifest.]:id:'
        '(--output -o)'{--output,-o}'[The winner'\''s model archive.]:out.nimp:_files'
        '--target[Target column(s) of a CSV or JSON-lines dataset (default\: the model'\''s own). Several as a,b or a b.]:column:'
        '--task[classification or regression, for a new model'\''s CSV / JSON-lines data (default\: inferred; a model'\''s data\: the model'\''s task).]:task:{__nimp_complete "${___task[@]}"}'
        '--features[Only these columns are inputs, in this order.]:a,b,c:'
        '--exclude[Leave these columns out of the inputs.]:x,y:'
        '--drop-missing[Leave out rows with a missing input value instead of filling it with the column'\''s median or most frequent value.]'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_cycle() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'run:Plan, run and gate one cycle (the default: `nimp cycle`).'
            'plan:Write a cycle'\''s task files (the first step), without the lock and changing nothing else.'
            'gate:Gate task results (the last step): measure each candidate again and promote the better ones.'
            'status:Show the cycles in flight: each plan'\''s tasks done, failed, running and pending, with Slurm'\''s job ids.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        run|plan|gate|status)
            "_nimp_cycle_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_nimp_cycle_run() {
    local -i ret=1
    local -ar ___executor=('local' 'slurm')
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--plan[Print the plan as JSON lines and change nothing.]'
        '--force[Run even if the last cycle ended less than improvement_interval ago.]'
        '--budget-seconds[Wall-time budget for the cycle'\''s tasks, in seconds.]:budget-seconds:'
        '--textfile-dir[Write a Prometheus textfile (nimp.prom) for node_exporter here.]:dir:_files -/'
        '--keep-plan[Keep the plan directory (task files, candidates, logs) under REGISTRY/cycles after the gate.]'
        '--jobs[Task processes at once (default\: max_concurrent_tasks, lowered by cortisol, at most the free cores).]:jobs:'
        '--executor[Where tasks run\: local (processes on this machine) or slurm (a job array on the cluster).]:executor:{__nimp_complete "${___executor[@]}"}'
        '--partition[Slurm partition for the cycle'\''s jobs.]:partition:'
        '--array-limit[Slurm array elements running at once (sbatch --array=…%N).]:array-limit:'
        '--time[Time limit of each Slurm task (sbatch --time; default\: from the task'\''s budget).]:time:'
        '*--sbatch-arg[An argument for every sbatch call, e.g. --sbatch-arg=--account=ml (repeatable).]:arg:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_cycle_plan() {
    local -i ret=1
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '(--output -o)'{--output,-o}'[The plan directory (default\: a new one under REGISTRY/cycles).]:dir:_files -/'
        '--force[Plan even if the last cycle ended less than improvement_interval ago.]'
        '--budget-seconds[Wall-time budget of the cycle, in seconds; each task file gets its share.]:budget-seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_cycle_gate() {
    local -i ret=1
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '*:result-or-dir:_files'
        '--finish[Record the tasks of a plan directory that left no result as failed, so the plan is done.]'
        '--resubmit[For a plan handed to Slurm (what its gate job runs)\: resubmit the tasks that left no result, up to max_task_retries each, else gate them all.]'
        '--textfile-dir[Write a Prometheus textfile (nimp.prom) for node_exporter here.]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_cycle_status() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '*:dir:_files -/'
        '--format[Output format.]:format:{__nimp_complete "${___format[@]}"}'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_task() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'run:Run one task file and write its candidate and result (no registry lock).'
            'add:Queue a task for the next cycle, which takes queued tasks before its own.'
            'list:List the queued tasks, oldest first (a table on a terminal, JSON lines otherwise).'
            'rm:Remove a queued task (exit 66 when there is no such task).'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        run|add|list|rm)
            "_nimp_task_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_nimp_task_run() {
    local -i ret=1
    local -ar arg_specs=(
        ':task.json:_files -g '\''*.json'\'''
        '(--output -o)'{--output,-o}'[Where to write the candidate and result.]:dir:_files -/'
        '--registry[Read this registry instead of the one the task names (another mount point).]:dir:_files -/'
        '--executor[Who runs the task, recorded in history (local, slurm, parallel…).]:name:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_task_add() {
    local -i ret=1
    local -ar ___kind=('training' 'optimization' 'architecture' 'distillation')
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        ':model:{__nimp_custom_complete ---completion task add -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--kind[The improvement kind.]:kind:{__nimp_complete "${___kind[@]}"}'
        '--priority[Priority among queued tasks (higher first).]:priority:'
        '*--target[A target for this task'\''s gate, e.g. accuracy=0.9 (repeatable).]:metric=value:'
        '--max-parameters[A hard constraint\: at most this many parameters.]:max-parameters:'
        '--max-bytes[A hard constraint\: at most this many archive bytes.]:max-bytes:'
        '--max-latency-p50-us[A hard constraint\: median latency at most this many microseconds.]:max-latency-p50-us:'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_task_list() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--format[Output format.]:format:{__nimp_complete "${___format[@]}"}'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_task_rm() {
    local -i ret=1
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        ':id:'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry() {
    local -i ret=1
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'init:Create a registry directory (an existing one is left as it is).'
            'add:Add a model (version 1, the champion) or, without --data, a new version of an existing model.'
            'list:List the models: task, versions, champion and its held-out metrics.'
            'show:Show one model (its model.json, champion and versions) or one version'\''s manifest (ID@VERSION).'
            'versions:List a model'\''s versions: parent, operation, metrics, size, champion.'
            'lineage:Show a model'\''s version graph: parent, operation, teacher, metrics.'
            'history:Print history: tasks, cycles, promotions, rollbacks, adds, gc, lock takeovers.'
            'signals:Show the signal levels (dopamine, cortisol, growth, serotonin) and their recent history.'
            'status:Show the brain state: models, champions, last cycle, lock holder, signals, machine, settings.'
            'promote:Make a version the champion of its model.'
            'rollback:Make the previous champion of a model the champion again.'
            'refresh:Give a model fresh held-out rows: a new eval set (and audit set).'
            'verify:Check every archive, champion pointer, model.json, dataset and history line.'
            'gc:Remove old versions: keep the newest N per model, champions, previous champions and their lineage.'
            'export:Copy a model'\''s champion (ID) or a version (ID@VERSION) out of the registry.'
            'config:Show or change settings (config.json).'
            'report:Write an HTML report with charts: quality over versions, trade-offs, gains and signals over cycles.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        init|add|list|show|versions|lineage|history|signals|status|promote|rollback|refresh|verify|gc|export|config|report)
            "_nimp_registry_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_nimp_registry_init() {
    local -i ret=1
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--examples[Seed the registry with the four example signal models.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_add() {
    local -i ret=1
    local -ar ___task=('regression' 'classification')
    local -ar ___sampling=('uniform' 'active')
    local -ar arg_specs=(
        ':id:'
        ':model.nimp:_files -g '\''*.nimp'\'''
        '--data[Training dataset (safetensors, CSV or JSON lines).]:dataset:_files'
        '--eval[Held-out eval dataset the gate decides on.]:dataset:_files'
        '--audit[Held-out audit dataset no decision reads (default\: carved out of the eval set).]:dataset:_files'
        '--audit-fraction[Fraction of the eval set kept aside as the audit set when --audit is absent (0\: no audit set).]:audit-fraction:'
        '*--target[A target for the model, e.g. r2=0.99 or latency_p50_us=2 (repeatable).]:metric=value:'
        '--max-parameters[Constraint\: the most parameters a version may have.]:max-parameters:'
        '--max-bytes[Constraint\: the largest archive a version may be, in bytes.]:max-bytes:'
        '--max-latency-p50-us[Constraint\: the slowest single-sample p50 latency a version may have, in µs.]:max-latency-p50-us:'
        '*--target-column[Target column of CSV / JSON-lines datasets (repeatable).]:column:'
        '--task[classification or regression, for CSV / JSON-lines datasets (default\: inferred).]:task:{__nimp_complete "${___task[@]}"}'
        '--generator[New data comes from this built-in generator, e.g. signal/dopamine.]:name:'
        '--teacher-command[New data is labelled by this command (JSON lines in, JSON lines out); later runs it only from a model.json no other user can write.]:command:'
        '--files[New data arrives as files matching this glob.]:glob:'
        '--samples[Samples per generated dataset, and per cycle task'\''s fresh rows (with --sampling, default a tenth of the training set).]:samples:'
        '--features[Inputs the teacher command expects.]:features:'
        '--sampling[How cycle tasks draw fresh rows from the generator or teacher command\: uniform, or active (where the champion is least sure). A teacher command is asked for rows in tasks only when this is given; the rows are then kept (added to the training set).]:uniform|active:{__nimp_complete "${___sampling[@]}"}'
        '--eval-fraction[Fraction of --data held out for evaluation when --eval is absent.]:eval-fraction:'
        '--seed[Seed for the held-out split and generated data.]:seed:'
        '--description[A short description for model.json.]:description:'
        '--promote[When adding a version\: also make it the champion.]'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_list() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--format[table, json (JSON lines) or auto (a table on a terminal).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout (JSON lines unless --format table).]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_show() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        ':id\[@version\]:{__nimp_custom_complete ---completion registry show -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--format[table, json (JSON lines) or auto (a table on a terminal).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout (JSON lines unless --format table).]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_versions() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        ':id:{__nimp_custom_complete ---completion registry versions -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--format[table, json (JSON lines) or auto (a table on a terminal).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout (JSON lines unless --format table).]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_lineage() {
    local -i ret=1
    local -ar arg_specs=(
        ':id:{__nimp_custom_complete ---completion registry lineage -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--dot[Print a Graphviz dot graph.]'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout.]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_history() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        '--model[Only entries about this model.]:model:{__nimp_custom_complete ---completion registry history -- --model "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--since[Only entries at or after TIME\: ISO 8601 (2025-01-31 or 2025-01-31T12\:00\:00Z) or an age like 30m, 6h, 2d.]:time:'
        '--type[Only entries of this type (task, cycle, promote, rollback, add, version, gc, config, lock-takeover).]:type:'
        '--limit[Only the newest N entries.]:limit:'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--format[table, json (JSON lines) or auto (a table on a terminal).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout (JSON lines unless --format table).]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_signals() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        '--limit[Snapshots of history to show.]:limit:'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--format[table, json (JSON lines) or auto (a table on a terminal).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout (JSON lines unless --format table).]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_status() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--format[table, json (JSON lines) or auto (a table on a terminal).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout (JSON lines unless --format table).]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_promote() {
    local -i ret=1
    local -ar arg_specs=(
        ':id\[@version\]:{__nimp_custom_complete ---completion registry promote -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        ':version:{__nimp_custom_complete ---completion registry promote -- positional@1 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--reason[Why, for history.]:reason:'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_rollback() {
    local -i ret=1
    local -ar arg_specs=(
        ':id:{__nimp_custom_complete ---completion registry rollback -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--reason[Why, for history.]:reason:'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_refresh() {
    local -i ret=1
    local -ar arg_specs=(
        ':id:{__nimp_custom_complete ---completion registry refresh -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '--eval[New eval dataset (default\: regenerated from the model'\''s generator or teacher command).]:dataset:_files'
        '--audit[New audit dataset.]:dataset:_files'
        '*--target-column[Target column of CSV / JSON-lines datasets (repeatable).]:column:'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_verify() {
    local -i ret=1
    local -ar arg_specs=(
        '--strict[Count warnings as problems.]'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_gc() {
    local -i ret=1
    local -ar arg_specs=(
        '--keep[Versions to keep per model (default\: keep_versions of config.json).]:keep:'
        '--dry-run[Report what would be removed; remove nothing.]'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_export() {
    local -i ret=1
    local -ar arg_specs=(
        ':id\[@version\]:{__nimp_custom_complete ---completion registry export -- positional@0 "${current_word_index}" "$(__nimp_cursor_index_in_current_word)"}'
        '(--output -o)'{--output,-o}'[Where to write the archive (- for stdout).]:file:_files'
        '--format[nimp (the archive, default), c or onnx (as `nimp export` writes them).]:format:'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_config() {
    local -i ret=1
    local -ar ___format=('auto' 'table' 'json')
    local -ar arg_specs=(
        ':key:'
        ':value:'
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '--wait[Wait up to this many seconds for the registry lock (default\: fail at once with exit 75).]:seconds:'
        '--format[table, json (JSON lines) or auto (a table on a terminal).]:format:{__nimp_complete "${___format[@]}"}'
        '(--output -o)'{--output,-o}'[Write the output here instead of stdout (JSON lines unless --format table).]:file:_files'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_registry_report() {
    local -i ret=1
    local -ar arg_specs=(
        '--registry[The registry directory (default\: $NIMP_REGISTRY, else ./nimp-registry).]:dir:_files -/'
        '(--output -o)'{--output,-o}'[Write the page here (default\: stdout).]:report.html:_files -g '\''*.html'\'''
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_tune() {
    local -i ret=1
    local -ar arg_specs=(
        '*:model.nimp:_files -g '\''*.nimp'\'''
        '--batch-size[Training batch size of the models'\'' shapes.]:batch-size:'
        '(--quiet -q)'{--quiet,-q}'[Only errors and warnings on stderr.]'
        '(--verbose -v)'{--verbose,-v}'[More detail on stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_nimp_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _nimp ]]; then
    _nimp "${@}"
else
    compdef _nimp nimp
fi
