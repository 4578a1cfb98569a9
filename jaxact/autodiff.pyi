"""Generated from the registry by `python -m jaxact.tools._stubgen`: do not edit. (autodiff)"""

from jaxact.gates import (
    acon_c as acon_c,
    elish as elish,
    exponential as exponential,
    gaussian as gaussian,
    gelu as gelu,
    hard_silu as hard_silu,
    lisht as lisht,
    mish as mish,
    quick_gelu as quick_gelu,
    serf as serf,
    shifted_softplus as shifted_softplus,
    silu as silu,
    softplus as softplus,
    sparse_plus as sparse_plus,
    squareplus as squareplus,
    swish as swish,
    telu as telu,
)
from jaxact.normalizers import (
    bilinear as bilinear,
    geglu as geglu,
    glu as glu,
    log_softmax as log_softmax,
    reglu as reglu,
    softmax as softmax,
    softmin as softmin,
    swiglu as swiglu,
)
from jaxact.periodic import (
    sine as sine,
    snake as snake,
)
from jaxact.rational import (
    pade as pade,
)
from jaxact.rectifiers import (
    binary_step as binary_step,
    celu as celu,
    elu as elu,
    identity as identity,
    isrlu as isrlu,
    leaky_relu as leaky_relu,
    pelu as pelu,
    prelu as prelu,
    relu as relu,
    relu6 as relu6,
    rrelu as rrelu,
    selu as selu,
    smelu as smelu,
    squared_relu as squared_relu,
    srelu as srelu,
    star_relu as star_relu,
    threshold as threshold,
)
from jaxact.shrink import (
    hardshrink as hardshrink,
    softshrink as softshrink,
    tanhshrink as tanhshrink,
)
from jaxact.sigmoids import (
    arctan as arctan,
    hard_sigmoid as hard_sigmoid,
    hard_tanh as hard_tanh,
    isru as isru,
    log_sigmoid as log_sigmoid,
    penalized_tanh as penalized_tanh,
    sigmoid as sigmoid,
    soft_sign as soft_sign,
    sparse_sigmoid as sparse_sigmoid,
    tanh as tanh,
)
from jaxact.sparse import (
    entmax15 as entmax15,
    sparsemax as sparsemax,
)

hard_swish = hard_silu
heaviside = binary_step
logistic = sigmoid
