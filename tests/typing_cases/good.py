import jax
import jax.numpy as jnp
import numpy as np

import jaxact
import jaxact as nn

x = jnp.ones(3)
y: jax.Array = jaxact.relu(x)
z: jax.Array = nn.closed_form.gelu(x, approximate=False)
w: jax.Array = nn.autodiff.elu(np.ones(3), alpha=0.5)
v: jax.Array = nn.logistic(x)
