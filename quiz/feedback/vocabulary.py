"""The words the key-point matcher (quiz/feedback/) knows: ML synonyms and abbreviations, contrast groups,
contrary words, negations and stopwords. Hand-kept: add a phrase where candidates say a thing in a way the
matcher misses, and re-run `make bench` (tests/bench/bench_feedback.py) to see that nothing else got worse.

Other features share the ML vocabulary through ``ml_synonyms`` ("lr" names "learning rate"), or read
``CONCEPTS`` whole (search takes its abbreviations from it: quiz/search/vocabulary.py); the other tables are
the matcher's own.
"""


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


def ml_synonyms(term: str) -> frozenset[str]:
    """The phrases that name the same ML thing as ``term`` (lower case, words separated by single spaces),
    ``term`` included: ``ml_synonyms("lr")`` holds "learning rate", "step size" and "logistic regression" (an
    abbreviation may name several things). A term the vocabulary does not know gives just itself."""
    term = " ".join(term.lower().replace("-", " ").split())
    found = {term}
    for phrases in CONCEPTS.values():
        names = [" ".join(p.split()) for p in phrases.split("|")]
        if term in names:
            found.update(names)
    return frozenset(found)


# Concepts: a name and the phrases (in plain words, "|" between them) that say it. A phrase may name several
# concepts ("lr").
CONCEPTS: dict[str, str] = {
    "learning_rate": "learning rate | lr | step size | eta | learn rate",
    "logreg": "logistic regression | logreg | lr | log reg",
    "linreg": "linear regression | linreg | least squares | ols",
    "batch_size": "batch size | bs | minibatch size",
    "random_forest": "random forest | rf | random forests | randomforest",
    "xgboost": "xgboost | xgb | lightgbm | lgbm | catboost | gbdt | gbm",
    "decision_tree": (
        "decision tree | tree | dt | cart | random forest | rf | xgboost | xgb | gbdt | gbm | lightgbm | "
        "tree based"
    ),
    "pca": "pca | principal component analysis | principal component | principal components",
    "svm": "svm | support vector machine | svc",
    "knn": "knn | k nearest neighbour | k nearest neighbor | nearest neighbour | nearest neighbor | k nn",
    "kmeans": "k means | kmeans",
    "neural_net": "neural network | neural net | nn | nns | net | network | mlp | deep net",
    "cnn": "cnn | convnet | convolutional neural network | convolutional network | conv net",
    "convolution": "convolution | convolutional | conv",
    "filter": "kernel | filter",
    "dense": "dense | fully connected | fc | linear layer",
    "rnn": "rnn | recurrent neural network | recurrent network | recurrent",
    "lstm": "lstm | long short term memory",
    "gradient": "gradient | grad | derivative | slope | dl dw | partial derivative",
    "gradient_descent": (
        "gradient descent | gd | sgd | stochastic gradient descent | adam | optimizer | optimiser | "
        "optimization algorithm"
    ),
    "backprop": (
        "backpropagation | backprop | back propagation | backward pass | loss backward | "
        "reverse mode autodiff | chain rule"
    ),
    "regularization": "regularization | regularize | regularizer | penalty | penalize | reg | weight decay",
    "sparse": (
        "sparse | sparsity | exactly zero | exactly 0 | to zero | to 0 | zero out | zeroed out | "
        "zeroes out | feature selection | become zero | become 0 | set to zero | set to 0"
    ),
    "weight": "weight | coefficient | coef | coeff | param | parameter | w",
    "tp": "tp | true positive",
    "fp": "fp | false positive | false alarm | type i error | type 1 error",
    "fn": "fn | false negative | type ii error | type 2 error",
    "tn": "tn | true negative",
    "precision": "precision | ppv | positive predictive value",
    "recall": "recall | sensitivity | tpr | true positive rate | hit rate",
    "f1": "f1 | f1 score | f score | f measure",
    "auc": "auc | roc auc | roc | area under the curve | pr curve | pr auc",
    "accuracy": "accuracy | acc",
    "cross_entropy": (
        "cross entropy | crossentropy | ce | log loss | logloss | bce | nll | negative log likelihood"
    ),
    "mse": "mse | mean squared error | squared error | l2 loss | mae | mean absolute error | rmse",
    "l1": "l1 | lasso | l1 regularization | l1 penalty | absolute value",
    "l2": "l2 | ridge | l2 regularization | l2 penalty | squared value",
    "bias": "bias",
    "variance": "variance | var",
    "overfit": "overfit | overfitting | over fit | over fitting | memorize | memorization | memorizing",
    "underfit": "underfit | underfitting | under fit | under fitting",
    "generalize": "generalize | generalization | generalise | transfer to new data",
    "bagging": "bagging | bag | bootstrap aggregating | bootstrap aggregation",
    "boosting": "boosting | boost | boosted",
    "bootstrap": "bootstrap | resample | resampling | sample with replacement | with replacement",
    "ensemble": "ensemble | committee | combine | combination of models",
    "supervised": "supervised | supervised learning",
    "unsupervised": "unsupervised | unsupervised learning | un supervised",
    "semi_supervised": "semi supervised | semisupervised | semi supervision | semi",
    "weak_supervised": "weakly supervised | weak supervision | weak label | noisy label | weakly",
    "active_learning": "active learning | active",
    "labeled": (
        "label | labeled | annotated | annotation | ground truth | target | tagged | tag | y | name | "
        "index name | index label"
    ),
    "unlabeled": (
        "unlabeled | no label | without label | no target | without target | unannotated | raw data | "
        "no ground truth"
    ),
    "classification": "classification | classify | classifier",
    "regression": "regression | regressor",
    "discrete": "discrete | class | category | categorical | class label | finite set | fixed set",
    "continuous": "continuous | real number | real valued | numeric value | numeric | number",
    "relu": "relu | rectified linear | leaky relu | rectifier",
    "sigmoid": "sigmoid | logistic function | logistic curve | logistic one | logistic unit",
    "tanh": "tanh | hyperbolic tangent",
    "softmax": "softmax | soft max",
    "thread": "thread | threading | multithreading | multi threading",
    "process": "process | multiprocessing | multi processing | separate interpreter",
    "gil": "gil | global interpreter lock | interpreter lock",
    "io_bound": (
        "io bound | i o bound | io | i o | network call | disk | waiting | wait | http | socket | "
        "api call | db query"
    ),
    "cpu_bound": (
        "cpu bound | cpu | number crunching | compute heavy | heavy computation | core | heavy maths | "
        "heavy math"
    ),
    "sequential": (
        "sequential | sequentially | one after another | one by one | in sequence | serial | serially | "
        "in turn | one at a time after"
    ),
    "parallel": "parallel | independently | independent | in parallel | simultaneously",
    "shared": (
        "share | shared | same memory | same address space | common memory | sharing | reuse | reused | "
        "tied weight | same weight | same reference"
    ),
    "separate": "separate | separately | own memory | isolated | own",
    "shallow_copy": "shallow copy | shallow | copy copy",
    "deep_copy": "deep copy | deepcopy | copy deepcopy | recursively copy",
    "loc": "loc",
    "iloc": "iloc",
    "include": "include | inclusive | including",
    "exclude": "exclude | exclusive | excluding | stop before | up to but not",
    "list_comp": "list comprehension | list comp | listcomp | square bracket",
    "generator": (
        "generator | generator expression | genexp | parenthesis | parentheses | round bracket | iterator"
    ),
    "eager": "whole list | full list | all at once | materialize | right away | eager | eagerly",
    "lazy": "lazy | lazily | on demand | one at a time | yield | when you ask | next",
    "value_equal": "equality | equal | equals | same value | same content | eq",
    "identity": "identity | same object | id | memory address | very same object",
    "hyperparameter": "hyperparameter | hyperparam | hparam | hyper parameter | knob | setting | config",
    "before": "before | beforehand | up front | upfront | in advance | prior | ahead | above",
    "after": "after | afterwards | afterward",
    "train": (
        "train | training | fit | fitting | train set | training set | train data | training data | "
        "training sample"
    ),
    "heldout": (
        "test | validation | val | dev | held out | holdout | hold out | unseen | new data | "
        "out of sample | inference | test time | production"
    ),
    "up": (
        "increase | raise | higher | high | more | larger | large | bigger | big | grow | greater | "
        "maximize | maximum | huge | go up | blow up | explode | exploding | lots | lot | tons | plenty | "
        "massive"
    ),
    "down": (
        "decrease | reduce | lower | low | less | fewer | few | smaller | small | shrink | tiny | "
        "minimize | minimum | cut | little | go down | vanish | vanishing"
    ),
    "fast": (
        "fast | faster | fastest | quick | quicker | quickly | cheap | cheaper | speed up | efficient | "
        "speedy | rapid"
    ),
    "slow": "slow | slower | slowly | expensive | heavy | heavier | forever | crawl",
    "simple": (
        "simple | simpler | simplest | rigid | basic | smaller model | small model | fewer parameter | "
        "fewer param | less complex"
    ),
    "complex": "complex | complicated | flexible | overly complex",
    "easy": "easy | easier | interpretable | explainable | transparent | explain | readable",
    "hard": "hard | harder | difficult | black box | opaque | uninterpretable",
    "early": "early | earlier | first | initial | bottom",
    "late": "late | later | last | final | top",
    "frozen": "freeze | frozen | keep fixed | lock | kept fixed",
    "finetuned": "fine tune | finetune | fine tuned | retrain | unfreeze",
    "minority": "minority | rare | rarer | small class | positive class",
    "majority": "majority | dominant | common class | big class | negative class",
    "mean": "mean | average | avg",
    "median": "median | middle value",
    "mode": "mode | most frequent | most common",
    "forward": "forward | forwards | forward pass",
    "backward": "backward | backwards | back | backward pass",
    "xavier": "xavier | glorot",
    "he_init": "he init | he initialization | he normal | kaiming",
    "grid_search": "grid search | gridsearch | grid | gridsearchcv",
    "random_search": "random search | randomsearch | randomizedsearchcv | random config",
    "exhaustive": "every combination | all combination | exhaustive | every combo | all combo | all | every",
    "sampled": "random | randomly | sample | sampling | draw | subset | handful",
    "keep": "keep | retain | preserve | maintain",
    "drop": "drop | remove | discard | eliminate | delete | prune | throw away | dropna",
    "predicted": (
        "predicted positive | positive prediction | flagged | flag | said positive | "
        "predicted as positive | predicted yes"
    ),
    "actual": (
        "actual positive | actually positive | real positive | really positive | actual | actually | "
        "really | truly | in reality | ground truth positive"
    ),
    "sequence": "sequence | sequential data | time series | text | temporal",
    "spatial": "spatial | image | grid like | pixel | imagenet | alexnet | vision",
    "error": (
        "error | loss | mistake | wrong | cost | objective | objective function | cost function | how far | "
        "how wrong | how off"
    ),
    "improve": "improve | better | improvement | boost performance",
    "probability": "probability | prob | probs | likelihood | p y",
    "feature": "feature | column | col | variable | attribute | predictor | dimension | dim | input | x",
    "hardware": "gpu | hardware | cuda | compute | computing power | computational power | tpu",
    "dataset": "dataset | data set | corpus | corpora | imagenet",
    "fold": "fold | chunk | split | part | partition",
    "nonlinear": "non linearity | non linear | nonlinear | nonlinearity | curvy | complicated mapping",
    "linear": "linear",
    "early_stopping": "early stopping | early stop | stop early | patience",
    "dropout": "dropout | drop out | switch off | turn off",
    "imbalance": "imbalance | imbalanced | skewed | unbalanced",
    "oversample": "oversample | oversampling | over sample | smote | duplicate | synthesise | synthesize",
    "undersample": "undersample | undersampling | under sample | throw away | downsample",
    "impute": "impute | imputation | fill | fillna | imputer | replace",
    "missing": "missing | missing value | nan | null | gap | blank | na",
    "scale": (
        "scale | scaling | normalize | normalization | standardize | standardization | range | z score | "
        "standardscaler | minmaxscaler"
    ),
    "distance": "distance | euclidean | distance based",
    "unit_variance": "unit variance | divide by std | divide by the std | std of 1 | standard deviation 1",
    "zero_mean": "zero mean | subtract the mean | subtract mean | center | centre | mean 0",
    "visualize": "visualize | visualization | plot | chart | graph",
    "memory": "memory | ram | address space",
    "coroutine": "coroutine | coroutine object",
    "event_loop": "event loop | asyncio | loop",
    "decorator": "decorator | deco | decorate",
    "wrapper": "wrapper | wrap | wrapped | inner function",
    "cache": "cache | caching | lru cache | memoize",
    "logging": "logging | log | log call",
    "timing": "timing | time | timer",
    "epoch": "epoch | full pass | whole pass | pass over | seen every",
    "iteration": "iteration | step | update | optimizer step",
    "batch": "batch | minibatch | mini batch | chunk of example",
    "pretrained": "pretrained | pre trained | already trained | trained on imagenet",
    "performance": "performance | score | metric | result",
    "data": "data | example | sample | row | observation | instance | record",
    "model": "model | estimator | algorithm | algo | learner | predictor model",
    "expected": "expected | expectation | population | true distribution | all possible",
    "distribution": "distribution | population | iid | representative",
    "transform": "transform | convert | map | turn | squash",
    "zero_to_one": "0 1 | 0 and 1 | zero to one | between 0 and 1 | 0 to 1 | less than one | zero and one",
    "sum_to_one": "sum to 1 | sum to one | add up to one | add up to 1 | sums to 1 | sums to one",
    "prediction": "prediction | predict | y hat | yhat | forecast",
    "curse": "curse of dimensionality | high dimensional | high d",
    "saturate": "saturate | saturation | flat | flatten | plateau | squash",
    "residual": "residual connection | skip connection | resnet | residual | shortcut connection",
    "batchnorm": "batch normalization | batchnorm | batch norm | bn | layernorm | layer norm",
    "fix": "fix | solve | solution | remedy | cure | fixed by | address",
    "unbounded": (
        "unbounded | no upper limit | no upper bound | not bounded | no ceiling | infinity | inf | no max"
    ),
    "repeat": "repeat | repeatedly | loop | again | iterate | iteratively | over and over | many pass",
    "neuron": "neuron | unit | node | cell | activation",
    "rely": "rely | depend | dependent | lean on | count on | co adapt | co adaptation",
    "single": "single | one particular | any one | individual | particular",
    "measure": "measure | quantify | tell | indicate | show",
    "task": "task | problem | job | use case | domain",
    "direction": "direction | axis | axes | component | principal direction",
    "define": "define | definition | def",
    "access_control": "access control | auth | authentication | login | permission | login required",
    "run": "run | execute | exec | execution",
    "code": "code | bytecode | python code | source code",
    "new": "new | fresh",
    "outer": "outer | top level | container | outer object",
    "nested": "nested | inner | inside | child | sub object | element | item",
    "original": "original | source | the one you copied",
    "unchanged": "unchanged | untouched | stays as it was | not affected | intact | as it was",
    "position": (
        "position | positional | integer | index number | 0 based | zero based | row number | "
        "column number | int | numbers"
    ),
    "choose": "prefer | pick | choose | go with | select | opt for | favour",
    "similar": "similar | about the same | equally well | comparable | same performance",
    "success": "success | breakthrough | win | crush | beat | state of the art | sota | record",
    "count": "count | how many | number of | num",
    "bayesian": "bayesian | bayes | gaussian process | tpe | optuna | surrogate | hyperopt | smbo",
    "available": "available | availability | accessible",
    "llm": "llm | large language model | language model | gpt | chatgpt",
    "rag": "rag | retrieval augmented generation | retrieval augmented | retrieve then generate",
    "retrieval": "retrieval | retrieve | search | lookup | look up | fetch",
    "vector_store": "vector store | vector database | vector db | vectorstore | faiss | pinecone | chroma",
    "embedding": "embedding | embed | vector representation | dense vector",
    "hallucination": "hallucination | hallucinate | make things up | made up | fabricate | invent",
    "prompt": "prompt | instruction | system prompt",
    "agent": "agent | agentic",
    "tool": "tool | function call | tool call | api",
    "context_window": "context window | context length | context limit",
    "token": "token | subword | wordpiece | bpe",
    "nlp": "nlp | natural language processing | text processing",
    "computer_vision": "computer vision | cv model | image recognition",
    "deep_learning": "deep learning | dl",
    "machine_learning": "machine learning | ml",
    "mle": "mle | maximum likelihood",
    "kl": "kl | kl divergence | kullback leibler | relative entropy",
    "gan": "gan | generative adversarial network",
    "vae": "vae | variational autoencoder",
    "autoencoder": "autoencoder | auto encoder | ae",
    "rl": "rl | reinforcement learning",
    "gru": "gru | gated recurrent unit",
    "transformer": "transformer | bert | attention model",
    "attention": "attention | self attention | attention mechanism",
    "tfidf": "tf idf | tfidf | term frequency inverse document frequency",
    "word2vec": "word2vec | w2v | word embedding | glove | fasttext",
    "cross_validation": "cv | k fold | kfold",
    "ab_test": "a b test | ab test | ab testing | split test | online experiment",
    "eda": "eda | exploratory data analysis",
    "outlier": "outlier | anomaly | extreme value",
    "drift": "drift | data drift | concept drift | distribution shift | covariate shift",
    "monitoring": "monitoring | monitor | track | tracking | observe | watch",
    "deploy": "deploy | deployment | serve | serving | ship | production",
    "version": "version | versioning | mlflow | dvc",
}

# Contrast groups: concepts that exclude each other when said of the same thing.
CONTRASTS = (
    ("precision", "recall"),
    ("tp", "fp", "fn", "tn"),
    ("l1", "l2"),
    ("bias", "variance"),
    ("overfit", "underfit"),
    ("bagging", "boosting"),
    ("supervised", "unsupervised", "semi_supervised", "weak_supervised", "active_learning"),
    ("labeled", "unlabeled"),
    ("classification", "regression"),
    ("discrete", "continuous"),
    ("cross_entropy", "mse"),
    ("relu", "sigmoid", "tanh", "softmax"),
    ("thread", "process"),
    ("io_bound", "cpu_bound"),
    ("sequential", "parallel"),
    ("shared", "separate"),
    ("shallow_copy", "deep_copy"),
    ("loc", "iloc"),
    ("include", "exclude"),
    ("list_comp", "generator"),
    ("eager", "lazy"),
    ("value_equal", "identity"),
    ("weight", "hyperparameter"),
    ("before", "after"),
    ("train", "heldout"),
    ("up", "down"),
    ("fast", "slow"),
    ("simple", "complex"),
    ("easy", "hard"),
    ("early", "late"),
    ("frozen", "finetuned"),
    ("minority", "majority"),
    ("oversample", "undersample"),
    ("mean", "median", "mode"),
    ("forward", "backward"),
    ("xavier", "he_init"),
    ("grid_search", "random_search"),
    ("exhaustive", "sampled"),
    ("keep", "drop"),
    ("predicted", "actual"),
    ("sequence", "spatial"),
    ("linear", "nonlinear"),
    ("convolution", "dense"),
)

# Pairs of opposites: "not faster" says "slower". In the other groups a negation keeps the word and marks it
# ("doesn't overfit" is not "underfits").
FLIPPABLE = frozenset(
    {
        ("up", "down"),
        ("fast", "slow"),
        ("easy", "hard"),
        ("include", "exclude"),
        ("keep", "drop"),
        ("shared", "separate"),
        ("before", "after"),
        ("sequential", "parallel"),
        ("simple", "complex"),
        ("labeled", "unlabeled"),
        ("linear", "nonlinear"),
        ("eager", "lazy"),
    }
)
# Groups whose both sides an answer often mentions for other reasons ("the test error", "more data"): they
# count in links, but saying only the other side of them is no contradiction.
CONTEXT = frozenset(
    {
        ("train", "heldout"),
        ("up", "down"),
        ("before", "after"),
        ("mean", "median", "mode"),
        ("exhaustive", "sampled"),
        ("sequence", "spatial"),
        ("early", "late"),
        ("frozen", "finetuned"),
        ("linear", "nonlinear"),
    }
)

NEGATORS = _wordset(
    """
    not no never nor neither without cannot cant dont doesnt isnt arent wasnt werent wont shouldnt didnt
    hasnt havent hadnt none nothing nobody fails fail couldnt wouldnt ignore ignores ignored disregard lacks
    lack instead rather
    """
)
# Words that negate the claim after them without flipping a contrast ("prevents overfitting" says the
# opposite of "causes overfitting").
PREVENTERS = _wordset(
    """
    prevent avoid against stop fight combat counter mitigate discourage penalize punish
    """
)

STOPWORDS = _wordset(
    """
    a an the and or but if then so of to in on at by for with from as into onto over under than that this
    these those it its it's is are was were be been being am do does did doing have has had having i you he
    she we they them their our your my me us his her what which who whom whose when where why how there here
    can could would should will shall may might must also just only very really quite about e g eg ie i.e
    etc like such other some any each both via vs versus per one's thing things stuff kind sort basically
    usually often much many lot lots get got gets make makes made say says said use used uses using way
    whether while whereas one two means mainly main
    """
)
GENERIC = _wordset(
    """
    model data use valu function learn set make method base type work good
    """
)
DETERMINERS = _wordset(
    """
    a an the
    """
)

# Contrary words in plain English, "left / right": a window that says a right-hand word where the point says
# a left-hand one (and not the point's own word, and not negated) says something else. Prefix negations
# ("uncorrelated") and the contrast groups above are handled on their own.
ANTONYMS = (
    "always / never",
    "all every / none",
    "independent / correlated dependent",
    "same identical / different",
    "increase increases raise raises / decrease decreases lower lowers reduce reduces",
    "high higher large larger big bigger / low lower small smaller",
    "more / less fewer",
    "fixed constant static / learned learnable adaptive dynamic",
    "sparse / dense",
    "global / local",
    "positive / negative",
    "maximize maximise maximum / minimize minimise minimum",
    "true / false",
    "add adds / remove removes",
    "first / last",
    "explicit / implicit",
    "synchronous sync / asynchronous async",
    "deterministic / random stochastic",
    "overestimate overestimates / underestimate underestimates",
    "online / offline",
    "finite / infinite",
    "heavier heavy / lighter light",
    "harder / easier",
    "slower / faster",
    "worse / better",
    "needs need / ignores",
    "harmonic / arithmetic geometric",
    "early earlier / later late",
    "relative / absolute",
    "fixed / learned",
    "probabilities probability / logits",
    "lowest least smallest minimal / highest largest greatest maximal",
    "best / worst",
    "include includes included keep keeps kept / exclude excludes excluded drop drops",
    "before / after",
    "together jointly / separately",
    "sequential sequentially serial / parallel",
    "coupled / decoupled",
    "supervised / unsupervised",
    "overfit overfits overfitting / underfit underfits underfitting",
    "shallow / deep",
    "biased / unbiased",
    "stable / unstable",
    "inner / outer",
    "linear / nonlinear",
    "cheap cheaper / expensive costlier",
    "slow / fast",
    "accept accepts / reject rejects",
)
