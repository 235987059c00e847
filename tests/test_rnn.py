"""tf.nn.rnn_cell, dynamic_rnn, static_rnn and bidirectional_dynamic_rnn: each cell's
step against numpy versions of TF1's formulas (on the variables' actual values),
dynamic_rnn against a numpy loop over time, TF1's variable names, training,
gradients against finite differences, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf

rnn_cell = tf.nn.rnn_cell
RNG = np.random.default_rng(0)


@pytest.fixture
def sess():
    with tf.Session() as session:
        yield session


def _randomize(sess, scale=0.5):
    """Initialises the variables, then gives each random values (biases too, so
    they count in the comparisons); returns {name: value}."""
    values = {
        v: RNG.normal(0.0, scale, v.shape.as_list()).astype(v.dtype.as_numpy_dtype)
        for v in tf.global_variables()
    }
    sess.run([tf.assign(v, value) for v, value in values.items()])  # one run
    return {v.name: value for v, value in values.items()}


def _normal(*shape, dtype=np.float32):
    return RNG.normal(size=shape).astype(dtype)


# -- numpy versions of TF1's cells --------------------------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_basic_rnn(x, h, kernel, bias):
    out = np.tanh(np.concatenate([x, h], 1) @ kernel + bias)
    return out, out


def np_lstm(x, state, kernel, bias, forget_bias=1.0, peep=None, clip=None, proj=None):
    c, h = state
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
    f_in, i_in = f + forget_bias, i
    if peep is not None:
        f_in, i_in = f_in + peep[0] * c, i_in + peep[1] * c
    new_c = c * _sigmoid(f_in) + _sigmoid(i_in) * np.tanh(j)
    if clip is not None:
        new_c = np.clip(new_c, -clip, clip)
    o_in = o if peep is None else o + peep[2] * new_c
    new_h = _sigmoid(o_in) * np.tanh(new_c)
    if proj is not None:
        new_h = new_h @ proj
    return new_h, (new_c, new_h)


def np_gru(x, h, gates_kernel, gates_bias, cand_kernel, cand_bias):
    r, u = np.split(
        _sigmoid(np.concatenate([x, h], 1) @ gates_kernel + gates_bias), 2, 1
    )
    c = np.tanh(np.concatenate([x, r * h], 1) @ cand_kernel + cand_bias)
    new_h = u * h + (1 - u) * c
    return new_h, new_h


def np_rnn(step, inputs, state, lengths=None):
    """A numpy loop over time of batch-major ``inputs`` with TF1's
    sequence_length semantics; returns (outputs [B, T, ...], final state)."""
    batch, steps = inputs.shape[:2]
    lengths = np.full(batch, steps) if lengths is None else np.asarray(lengths)
    outputs = []
    for t in range(steps):
        out, new_state = step(inputs[:, t], state)
        live = (t < lengths)[:, None]
        outputs.append(np.where(live, out, 0.0))
        state = _tree_where(live, new_state, state)
    return np.stack(outputs, 1), state


def _tree_where(live, new, old):
    if isinstance(new, tuple):
        return tuple(_tree_where(live, n, o) for n, o in zip(new, old, strict=True))
    return np.where(live, new, old)


def _assert_state_close(got, want, **kw):
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _assert_state_close(g, w, **kw)
    else:
        np.testing.assert_allclose(got, want, **kw)


TOL = {"rtol": 1e-5, "atol": 1e-5}


# -- cells, one step ------------------------------------------------------------------------


def test_basic_rnn_cell_step_matches_numpy(sess):
    x = tf.placeholder(tf.float32, [3, 4])
    h = tf.placeholder(tf.float32, [3, 5])
    cell = rnn_cell.BasicRNNCell(5)
    assert (cell.state_size, cell.output_size) == (5, 5)
    out, new_h = cell(x, h)
    assert out is new_h and out.shape.as_list() == [3, 5]
    shapes = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
    assert shapes == {"basic_rnn_cell/kernel:0": [9, 5], "basic_rnn_cell/bias:0": [5]}
    values = _randomize(sess)
    xv, hv = _normal(3, 4), _normal(3, 5)
    want, _ = np_basic_rnn(
        xv, hv, values["basic_rnn_cell/kernel:0"], values["basic_rnn_cell/bias:0"]
    )
    np.testing.assert_allclose(sess.run(out, {x: xv, h: hv}), want, **TOL)


def test_basic_lstm_cell_step_matches_numpy_with_forget_bias(sess):
    x = tf.placeholder(tf.float32, [2, 3])
    c = tf.placeholder(tf.float32, [2, 4])
    h = tf.placeholder(tf.float32, [2, 4])
    cell = rnn_cell.BasicLSTMCell(4, forget_bias=0.5)
    assert cell.state_size == (4, 4) and cell.output_size == 4
    out, state = cell(x, rnn_cell.LSTMStateTuple(c, h))
    assert isinstance(state, rnn_cell.LSTMStateTuple) and state.h is out
    assert state.dtype == tf.float32
    flat = rnn_cell.BasicLSTMCell(4, forget_bias=0.5, state_is_tuple=False)
    assert flat.state_size == 8
    with tf.variable_scope("flat"):
        flat_out, flat_state = flat(x, tf.concat([c, h], 1))
    shapes = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
    assert shapes["basic_lstm_cell/kernel:0"] == [7, 16]
    assert shapes["basic_lstm_cell/bias:0"] == [16]
    assert "flat/basic_lstm_cell/kernel:0" in shapes
    values = _randomize(sess)
    feed = {x: _normal(2, 3), c: _normal(2, 4), h: _normal(2, 4)}
    want_h, (want_c, _) = np_lstm(
        feed[x],
        (feed[c], feed[h]),
        values["basic_lstm_cell/kernel:0"],
        values["basic_lstm_cell/bias:0"],
        forget_bias=0.5,
    )
    got_h, got_state = sess.run([out, state], feed)
    np.testing.assert_allclose(got_h, want_h, **TOL)
    np.testing.assert_allclose(got_state.c, want_c, **TOL)
    # state_is_tuple=False: the same formulas on concat([c, h]).
    flat_want_h, (flat_want_c, _) = np_lstm(
        feed[x],
        (feed[c], feed[h]),
        values["flat/basic_lstm_cell/kernel:0"],
        values["flat/basic_lstm_cell/bias:0"],
        forget_bias=0.5,
    )
    got_out, got_flat = sess.run([flat_out, flat_state], feed)
    np.testing.assert_allclose(got_out, flat_want_h, **TOL)
    np.testing.assert_allclose(
        got_flat, np.concatenate([flat_want_c, flat_want_h], 1), **TOL
    )


def test_lstm_cell_step_matches_numpy(sess):
    x = tf.placeholder(tf.float32, [2, 3])
    state = rnn_cell.LSTMStateTuple(
        tf.placeholder(tf.float32, [2, 4]), tf.placeholder(tf.float32, [2, 4])
    )
    cell = rnn_cell.LSTMCell(4)
    out, new_state = cell(x, state)
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["lstm_cell/kernel:0", "lstm_cell/bias:0"]
    values = _randomize(sess)
    feed = {x: _normal(2, 3), state.c: _normal(2, 4), state.h: _normal(2, 4)}
    want_h, want_state = np_lstm(
        feed[x],
        (feed[state.c], feed[state.h]),
        values["lstm_cell/kernel:0"],
        values["lstm_cell/bias:0"],
    )
    got_h, got_state = sess.run([out, new_state], feed)
    np.testing.assert_allclose(got_h, want_h, **TOL)
    _assert_state_close(tuple(got_state), want_state, **TOL)


def test_lstm_cell_with_peepholes_clipping_and_projection(sess):
    x = tf.placeholder(tf.float32, [2, 3])
    c = tf.placeholder(tf.float32, [2, 4])
    m = tf.placeholder(tf.float32, [2, 2])
    cell = rnn_cell.LSTMCell(
        4, use_peepholes=True, cell_clip=0.3, num_proj=2, proj_clip=0.2, name="peep"
    )
    assert cell.state_size == (4, 2) and cell.output_size == 2
    out, new_state = cell(x, (c, m))
    shapes = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
    assert shapes == {
        "peep/kernel:0": [5, 16],
        "peep/bias:0": [16],
        "peep/w_f_diag:0": [4],
        "peep/w_i_diag:0": [4],
        "peep/w_o_diag:0": [4],
        "peep/projection/kernel:0": [4, 2],
    }
    values = _randomize(sess, scale=1.0)
    feed = {x: _normal(2, 3), c: _normal(2, 4), m: _normal(2, 2)}
    want_m, (want_c, _) = np_lstm(
        feed[x],
        (feed[c], feed[m]),
        values["peep/kernel:0"],
        values["peep/bias:0"],
        peep=[values[f"peep/w_{g}_diag:0"] for g in "fio"],
        clip=0.3,
        proj=values["peep/projection/kernel:0"],
    )
    got_m, got_state = sess.run([out, new_state], feed)
    np.testing.assert_allclose(got_m, np.clip(want_m, -0.2, 0.2), **TOL)
    np.testing.assert_allclose(got_state.c, want_c, **TOL)
    assert np.abs(got_state.c).max() <= 0.3 + 1e-6


def test_gru_cell_step_matches_numpy_and_initial_biases(sess):
    x = tf.placeholder(tf.float32, [3, 2])
    h = tf.placeholder(tf.float32, [3, 4])
    cell = rnn_cell.GRUCell(4)
    out, new_h = cell(x, h)
    shapes = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
    assert shapes == {
        "gru_cell/gates/kernel:0": [6, 8],
        "gru_cell/gates/bias:0": [8],
        "gru_cell/candidate/kernel:0": [6, 4],
        "gru_cell/candidate/bias:0": [4],
    }
    sess.run(tf.global_variables_initializer())
    by_name = {v.name: v for v in tf.global_variables()}
    np.testing.assert_array_equal(sess.run(by_name["gru_cell/gates/bias:0"]), 1.0)
    np.testing.assert_array_equal(sess.run(by_name["gru_cell/candidate/bias:0"]), 0.0)
    values = _randomize(sess)
    feed = {x: _normal(3, 2), h: _normal(3, 4)}
    want, _ = np_gru(
        feed[x],
        feed[h],
        *(values[f"gru_cell/{n}:0"] for n in ("gates/kernel", "gates/bias")),
        *(values[f"gru_cell/{n}:0"] for n in ("candidate/kernel", "candidate/bias")),
    )
    got, got_h = sess.run([out, new_h], feed)
    np.testing.assert_allclose(got, want, **TOL)
    np.testing.assert_array_equal(got, got_h)


def test_multi_rnn_cell_of_two_lstms_matches_numpy(sess):
    x = tf.placeholder(tf.float32, [2, 3])
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4), rnn_cell.BasicLSTMCell(5)])
    assert cell.state_size == ((4, 4), (5, 5)) and cell.output_size == 5
    state = cell.zero_state(2, tf.float32)
    assert [s.c.shape.as_list() for s in state] == [[2, 4], [2, 5]]
    out, new_state = cell(x, state)
    shapes = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
    assert shapes == {
        "multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0": [7, 16],
        "multi_rnn_cell/cell_0/basic_lstm_cell/bias:0": [16],
        "multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0": [9, 20],
        "multi_rnn_cell/cell_1/basic_lstm_cell/bias:0": [20],
    }
    values = _randomize(sess)
    xv = _normal(2, 3)
    layer = "multi_rnn_cell/cell_{}/basic_lstm_cell/{}:0"
    h0, s0 = np_lstm(
        xv,
        (np.zeros((2, 4)), np.zeros((2, 4))),
        values[layer.format(0, "kernel")],
        values[layer.format(0, "bias")],
    )
    h1, s1 = np_lstm(
        h0,
        (np.zeros((2, 5)), np.zeros((2, 5))),
        values[layer.format(1, "kernel")],
        values[layer.format(1, "bias")],
    )
    got, got_state = sess.run([out, new_state], {x: xv})
    np.testing.assert_allclose(got, h1, **TOL)
    _assert_state_close(tuple(map(tuple, got_state)), (s0, s1), **TOL)


def test_zero_state_shapes_with_static_and_dynamic_batch(sess):
    cell = rnn_cell.BasicLSTMCell(3)
    fixed = cell.zero_state(4, tf.float64)
    assert fixed.c.shape.as_list() == [4, 3] and fixed.c.dtype == tf.float64
    x = tf.placeholder(tf.float32, [None, 2])
    dynamic = cell.zero_state(tf.shape(x)[0], tf.float32)
    assert dynamic.h.shape.as_list() == [None, 3]
    got = sess.run(dynamic, {x: np.zeros((5, 2), np.float32)})
    assert got.c.shape == (5, 3) and not got.c.any() and not got.h.any()
    assert cell.get_initial_state(inputs=x).c.shape.as_list() == [None, 3]


# -- dynamic_rnn ----------------------------------------------------------------------------


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_dynamic_rnn_matches_a_numpy_loop(sess, time_major, with_lengths):
    steps, depth, units = 4, 3, 5
    shape = [steps, None, depth] if time_major else [None, steps, depth]
    x = tf.placeholder(tf.float32, shape)
    lengths = tf.placeholder(tf.int32, [None]) if with_lengths else None
    cell = rnn_cell.BasicLSTMCell(units)
    outputs, state = tf.nn.dynamic_rnn(
        cell, x, sequence_length=lengths, dtype=tf.float32, time_major=time_major
    )
    assert outputs.shape.as_list() == (
        [steps, None, units] if time_major else [None, steps, units]
    )
    assert state.c.shape.as_list() == [None, units]
    values = _randomize(sess)
    kernel, bias = (values[f"rnn/basic_lstm_cell/{n}:0"] for n in ("kernel", "bias"))
    for batch, lens in ((3, [4, 2, 0]), (2, [1, 3])):  # two batch sizes, one graph
        xv = _normal(batch, steps, depth)
        feed = {x: xv.transpose(1, 0, 2) if time_major else xv}
        if with_lengths:
            feed[lengths] = lens
        zeros = np.zeros((batch, units), np.float32)
        want_out, want_state = np_rnn(
            lambda xt, s: np_lstm(xt, s, kernel, bias),
            xv,
            (zeros, zeros),
            lens if with_lengths else None,
        )
        got_out, got_state = sess.run([outputs, state], feed)
        if time_major:
            got_out = got_out.transpose(1, 0, 2)
        np.testing.assert_allclose(got_out, want_out, **TOL)
        _assert_state_close(tuple(got_state), want_state, **TOL)
        if with_lengths:  # zeros past each length (all of a length-0 sequence)
            assert all(not got_out[b, n:].any() for b, n in enumerate(lens))
            assert got_out[0, lens[0] - 1].any()


def test_dynamic_rnn_with_unknown_batch_and_time(sess):
    x = tf.placeholder(tf.float32, [None, None, 2])
    outputs, state = tf.nn.dynamic_rnn(rnn_cell.BasicRNNCell(3), x, dtype=tf.float32)
    assert outputs.shape.as_list() == [None, None, 3]
    values = _randomize(sess)
    kernel, bias = (values[f"rnn/basic_rnn_cell/{n}:0"] for n in ("kernel", "bias"))
    for batch, steps in ((2, 3), (1, 5)):
        xv = _normal(batch, steps, 2)
        want, want_state = np_rnn(
            lambda xt, s: np_basic_rnn(xt, s, kernel, bias),
            xv,
            np.zeros((batch, 3), np.float32),
        )
        got, got_state = sess.run([outputs, state], {x: xv})
        np.testing.assert_allclose(got, want, **TOL)
        np.testing.assert_allclose(got_state, want_state, **TOL)


def test_dynamic_rnn_shares_variables_in_a_reusing_scope(sess):
    x = tf.placeholder(tf.float32, [2, 3, 2])
    with tf.variable_scope("model"):
        train_out, _ = tf.nn.dynamic_rnn(rnn_cell.LSTMCell(4), x, dtype=tf.float32)
    with tf.variable_scope("model", reuse=True):
        eval_out, _ = tf.nn.dynamic_rnn(rnn_cell.LSTMCell(4), x, dtype=tf.float32)
    assert [v.name for v in tf.trainable_variables()] == [
        "model/rnn/lstm_cell/kernel:0",
        "model/rnn/lstm_cell/bias:0",
    ]
    _randomize(sess)
    got_train, got_eval = sess.run([train_out, eval_out], {x: _normal(2, 3, 2)})
    np.testing.assert_array_equal(got_train, got_eval)
    with pytest.raises(ValueError, match="already exists"):
        with tf.variable_scope("model"):
            tf.nn.dynamic_rnn(rnn_cell.LSTMCell(4), x, dtype=tf.float32)


def test_dynamic_rnn_with_a_multi_cell_and_initial_state(sess):
    x = tf.placeholder(tf.float32, [2, 3, 2])
    cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(3), rnn_cell.BasicRNNCell(2)])
    init = (tf.placeholder(tf.float32, [2, 3]), tf.placeholder(tf.float32, [2, 2]))
    outputs, state = tf.nn.dynamic_rnn(cell, x, initial_state=init)
    assert isinstance(state, tuple) and len(state) == 2
    values = _randomize(sess)
    gru = "rnn/multi_rnn_cell/cell_0/gru_cell/"
    basic = "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/"
    gru_params = [values[f"{gru}{n}:0"] for n in ("gates/kernel", "gates/bias")]
    gru_params += [
        values[f"{gru}{n}:0"] for n in ("candidate/kernel", "candidate/bias")
    ]

    def step(xt, s):
        h0, _ = np_gru(xt, s[0], *gru_params)
        h1, _ = np_basic_rnn(
            h0, s[1], values[f"{basic}kernel:0"], values[f"{basic}bias:0"]
        )
        return h1, (h0, h1)

    xv, s0, s1 = _normal(2, 3, 2), _normal(2, 3), _normal(2, 2)
    want_out, want_state = np_rnn(step, xv, (s0, s1))
    got_out, got_state = sess.run([outputs, state], {x: xv, init[0]: s0, init[1]: s1})
    np.testing.assert_allclose(got_out, want_out, **TOL)
    _assert_state_close(tuple(got_state), want_state, **TOL)


def test_dynamic_rnn_variable_names_and_count():
    x = tf.placeholder(tf.float32, [None, 3, 2])
    cell = rnn_cell.BasicLSTMCell(4)
    tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert [v.name for v in tf.trainable_variables()] == [
        "rnn/basic_lstm_cell/kernel:0",
        "rnn/basic_lstm_cell/bias:0",
    ]
    tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)  # the same cell: shared variables
    assert len(tf.trainable_variables()) == 2
    multi = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4) for _ in range(2)])
    tf.nn.dynamic_rnn(multi, x, dtype=tf.float32, scope="deep")
    tf.nn.dynamic_rnn(rnn_cell.GRUCell(3), x, dtype=tf.float32, scope="gru")
    names = [v.name for v in tf.trainable_variables()]
    assert names[2:] == [
        "deep/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0",
        "deep/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0",
        "deep/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0",
        "deep/multi_rnn_cell/cell_1/basic_lstm_cell/bias:0",
        "gru/gru_cell/gates/kernel:0",
        "gru/gru_cell/gates/bias:0",
        "gru/gru_cell/candidate/kernel:0",
        "gru/gru_cell/candidate/bias:0",
    ]
    with tf.variable_scope("model"):
        tf.nn.dynamic_rnn(rnn_cell.BasicRNNCell(2, name="enc"), x, dtype=tf.float32)
    assert [v.name for v in tf.trainable_variables()][-2:] == [
        "model/rnn/enc/kernel:0",
        "model/rnn/enc/bias:0",
    ]


def test_dynamic_rnn_multi_rnn_cell_names_match_tf1():
    x = tf.placeholder(tf.float32, [None, 3, 2])
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4), rnn_cell.LSTMCell(4)])
    tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert [v.name for v in tf.trainable_variables()] == [
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0",
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0",
        "rnn/multi_rnn_cell/cell_1/lstm_cell/kernel:0",
        "rnn/multi_rnn_cell/cell_1/lstm_cell/bias:0",
    ]


def test_gradients_through_dynamic_rnn_match_finite_differences(sess):
    x = tf.placeholder(tf.float64, [2, 3, 2])
    cell = rnn_cell.BasicLSTMCell(2, dtype=tf.float64)
    outputs, state = tf.nn.dynamic_rnn(
        cell, x, sequence_length=[3, 2], dtype=tf.float64
    )
    weights = tf.constant(_normal(2, 3, 2, dtype=np.float64))
    loss = tf.reduce_sum(outputs * weights) + tf.reduce_sum(state.c * state.c)
    (kernel,) = [v for v in tf.trainable_variables() if "kernel" in v.name]
    grad_x, grad_kernel = tf.gradients(loss, [x, kernel])
    _randomize(sess)
    xv = _normal(2, 3, 2, dtype=np.float64)
    got_x, got_kernel = sess.run([grad_x, grad_kernel], {x: xv})
    kernel_value = sess.run(kernel)
    eps = 1e-6

    def numeric(f, at):
        grad = np.zeros_like(at)
        for index in np.ndindex(at.shape):
            up, down = at.copy(), at.copy()
            up[index] += eps
            down[index] -= eps
            grad[index] = (f(up) - f(down)) / (2 * eps)
        return grad

    np.testing.assert_allclose(
        got_x, numeric(lambda v: sess.run(loss, {x: v}), xv), rtol=1e-6, atol=1e-8
    )
    assert not got_x[1, 2].any()  # past the second sequence's length

    def loss_at_kernel(value):
        kernel.load(value, sess)
        return sess.run(loss, {x: xv})

    np.testing.assert_allclose(
        got_kernel, numeric(loss_at_kernel, kernel_value), rtol=1e-6, atol=1e-8
    )


def test_an_lstm_learns_the_sum_of_a_short_sequence(sess):
    x = tf.placeholder(tf.float32, [None, 4, 1])
    target = tf.reduce_sum(x, axis=[1, 2])
    _, state = tf.nn.dynamic_rnn(rnn_cell.LSTMCell(8), x, dtype=tf.float32)
    prediction = tf.squeeze(tf.layers.dense(state.h, 1), 1)
    loss = tf.reduce_mean(tf.square(prediction - target))
    train = tf.train.AdamOptimizer(0.03).minimize(loss)
    sess.run(tf.global_variables_initializer())
    data = np.random.default_rng(1).uniform(-1, 1, (64, 4, 1)).astype(np.float32)
    first = sess.run(loss, {x: data})
    for _ in range(150):
        sess.run(train, {x: data})
    last = sess.run(loss, {x: data})
    assert last < first / 20, (first, last)


# -- static_rnn and bidirectional_dynamic_rnn --------------------------------------------------


def test_static_rnn_matches_dynamic_rnn_with_shared_variables(sess):
    x = tf.placeholder(tf.float32, [None, 3, 2])
    lengths = tf.placeholder(tf.int32, [None])
    cell = rnn_cell.GRUCell(4)
    dyn_out, dyn_state = tf.nn.dynamic_rnn(
        cell, x, sequence_length=lengths, dtype=tf.float32
    )
    static_out, static_state = tf.nn.static_rnn(
        cell, tf.unstack(x, axis=1), sequence_length=lengths, dtype=tf.float32
    )
    assert len(static_out) == 3 and len(tf.trainable_variables()) == 4
    _randomize(sess)
    feed = {x: _normal(3, 3, 2), lengths: [3, 1, 2]}
    got_dyn, got_dyn_state, got_static, got_static_state = sess.run(
        [dyn_out, dyn_state, static_out, static_state], feed
    )
    np.testing.assert_allclose(np.stack(got_static, 1), got_dyn, **TOL)
    np.testing.assert_allclose(got_static_state, got_dyn_state, **TOL)


def test_static_rnn_creates_variables_once_with_tf1_names(sess):
    steps = [tf.placeholder(tf.float32, [2, 3]) for _ in range(4)]
    outputs, state = tf.nn.static_rnn(rnn_cell.BasicRNNCell(2), steps, dtype=tf.float32)
    assert [v.name for v in tf.trainable_variables()] == [
        "rnn/basic_rnn_cell/kernel:0",
        "rnn/basic_rnn_cell/bias:0",
    ]
    values = _randomize(sess)
    feed = {p: _normal(2, 3) for p in steps}
    want, want_state = np_rnn(
        lambda xt, s: np_basic_rnn(
            xt,
            s,
            values["rnn/basic_rnn_cell/kernel:0"],
            values["rnn/basic_rnn_cell/bias:0"],
        ),
        np.stack([feed[p] for p in steps], 1),
        np.zeros((2, 2), np.float32),
    )
    got, got_state = sess.run([outputs, state], feed)
    np.testing.assert_allclose(np.stack(got, 1), want, **TOL)
    np.testing.assert_allclose(got_state, want_state, **TOL)


@pytest.mark.parametrize("time_major", [False, True])
def test_bidirectional_dynamic_rnn_reverses_within_lengths(sess, time_major):
    x = tf.placeholder(tf.float32, [4, 3, 2] if time_major else [3, 4, 2])
    lens = [4, 2, 1]
    (out_fw, out_bw), (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
        rnn_cell.BasicRNNCell(3),
        rnn_cell.GRUCell(2),
        x,
        sequence_length=lens,
        dtype=tf.float32,
        time_major=time_major,
    )
    names = [v.name for v in tf.trainable_variables()]
    assert names[:2] == [
        "bidirectional_rnn/fw/basic_rnn_cell/kernel:0",
        "bidirectional_rnn/fw/basic_rnn_cell/bias:0",
    ]
    assert names[2] == "bidirectional_rnn/bw/gru_cell/gates/kernel:0"
    values = _randomize(sess)
    fw = "bidirectional_rnn/fw/basic_rnn_cell/"
    bw = "bidirectional_rnn/bw/gru_cell/"
    bw_params = [
        values[f"{bw}{n}:0"]
        for n in ("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")
    ]
    xv = _normal(3, 4, 2)
    want_fw, want_state_fw = np_rnn(
        lambda xt, s: np_basic_rnn(
            xt, s, values[f"{fw}kernel:0"], values[f"{fw}bias:0"]
        ),
        xv,
        np.zeros((3, 3), np.float32),
        lens,
    )
    reversed_x = xv.copy()
    for b, n in enumerate(lens):
        reversed_x[b, :n] = xv[b, :n][::-1]
    want_bw_rev, want_state_bw = np_rnn(
        lambda xt, s: np_gru(xt, s, *bw_params),
        reversed_x,
        np.zeros((3, 2), np.float32),
        lens,
    )
    want_bw = want_bw_rev.copy()
    for b, n in enumerate(lens):
        want_bw[b, :n] = want_bw_rev[b, :n][::-1]
    got = sess.run(
        [out_fw, out_bw, state_fw, state_bw],
        {x: xv.transpose(1, 0, 2) if time_major else xv},
    )
    if time_major:
        got[0], got[1] = got[0].transpose(1, 0, 2), got[1].transpose(1, 0, 2)
    for g, w in zip(got, [want_fw, want_bw, want_state_fw, want_state_bw], strict=True):
        np.testing.assert_allclose(g, w, **TOL)


# -- wrappers ----------------------------------------------------------------------------------


def test_dropout_wrapper_keeps_the_cell_variables_and_drops_outputs(sess):
    x = tf.placeholder(tf.float32, [4, 3, 2])
    cell = rnn_cell.BasicLSTMCell(8)
    plain, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    wrapped = rnn_cell.DropoutWrapper(cell, output_keep_prob=0.5, seed=3)
    assert wrapped.state_size == cell.state_size
    dropped, _ = tf.nn.dynamic_rnn(wrapped, x, dtype=tf.float32, scope="rnn")
    kept, _ = tf.nn.dynamic_rnn(
        rnn_cell.DropoutWrapper(cell, input_keep_prob=1.0), x, dtype=tf.float32
    )
    assert len(tf.trainable_variables()) == 2
    _randomize(sess)
    feed = {x: _normal(4, 3, 2)}
    ref, got, same = sess.run([plain, dropped, kept], feed)
    np.testing.assert_array_equal(same, ref)
    zero = got == 0
    assert 0.2 < zero.mean() < 0.8
    np.testing.assert_allclose(got[~zero], 2 * ref[~zero], rtol=1e-6)
    with pytest.raises(NotImplementedError, match="variational_recurrent"):
        rnn_cell.DropoutWrapper(cell, variational_recurrent=True)
    with pytest.raises(ValueError, match="between 0 and 1"):
        rnn_cell.DropoutWrapper(cell, output_keep_prob=1.5)


def test_dropout_wrapper_state_dropout_spares_the_lstm_memory(sess):
    x = tf.placeholder(tf.float32, [6, 5])
    cell = rnn_cell.BasicLSTMCell(16)
    state = cell.zero_state(6, tf.float32)
    _, plain = cell(x, state)
    _, dropped = rnn_cell.DropoutWrapper(cell, state_keep_prob=0.5)(x, state)
    _randomize(sess)
    ref, got = sess.run([plain, dropped], {x: _normal(6, 5)})
    np.testing.assert_array_equal(got.c, ref.c)
    zero = got.h == 0
    assert zero.any() and (~zero).any()
    np.testing.assert_allclose(got.h[~zero], 2 * ref.h[~zero], rtol=1e-6)


def test_residual_and_device_wrappers(sess):
    x = tf.placeholder(tf.float32, [2, 3])
    cell = rnn_cell.BasicRNNCell(3)
    state = cell.zero_state(2, tf.float32)
    plain, _ = cell(x, state)
    residual, _ = rnn_cell.ResidualWrapper(cell)(x, state)
    on_cpu, _ = rnn_cell.DeviceWrapper(cell, "/cpu:0")(x, state)
    assert len(tf.trainable_variables()) == 2
    _randomize(sess)
    xv = _normal(2, 3)
    got_plain, got_residual, got_cpu = sess.run([plain, residual, on_cpu], {x: xv})
    np.testing.assert_allclose(got_residual, got_plain + xv, **TOL)
    np.testing.assert_array_equal(got_cpu, got_plain)


# -- bad input -----------------------------------------------------------------------------


def test_dynamic_rnn_bad_input_is_explained():
    cell = rnn_cell.BasicLSTMCell(4)
    with pytest.raises(ValueError, match="rank of at least 3"):
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 3]), dtype=tf.float32)
    with pytest.raises(ValueError, match="depth of inputs"):
        tf.nn.dynamic_rnn(
            cell, tf.placeholder(tf.float32, [2, 3, None]), dtype=tf.float32
        )
    with pytest.raises(ValueError, match="If there is no initial_state, you must give"):
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 3, 1]))
    bad = rnn_cell.LSTMStateTuple(tf.zeros([2, 4]), tf.zeros([2, 5]))
    with pytest.raises(ValueError, match=r"initial_state tensor .* has shape \(2, 5\)"):
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 3, 1]), initial_state=bad)
    with pytest.raises(ValueError, match="initial_state has 1 tensor"):
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 3, 1]), initial_state=tf.zeros([2, 8]))
    with pytest.raises(ValueError, match="batch size 2"):
        wrong_batch = rnn_cell.LSTMStateTuple(tf.zeros([3, 4]), tf.zeros([3, 4]))
        tf.nn.dynamic_rnn(cell, tf.zeros([2, 3, 1]), initial_state=wrong_batch)
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        tf.nn.dynamic_rnn(
            cell, tf.zeros([2, 3, 1]), sequence_length=[[1, 2]], dtype=tf.float32
        )
    with pytest.raises(TypeError, match="is not an RNNCell"):
        tf.nn.dynamic_rnn(lambda x, s: (x, s), tf.zeros([2, 3, 1]), dtype=tf.float32)


def test_cell_and_static_rnn_bad_input_is_explained():
    cell = rnn_cell.BasicRNNCell(2)
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        cell(tf.zeros([2, 3, 4]), tf.zeros([2, 2]))
    with pytest.raises(TypeError, match="inputs must be a sequence"):
        tf.nn.static_rnn(cell, tf.zeros([2, 3]), dtype=tf.float32)
    with pytest.raises(ValueError, match="inputs must not be empty"):
        tf.nn.static_rnn(cell, [], dtype=tf.float32)
    with pytest.raises(ValueError, match="you must give a dtype"):
        tf.nn.static_rnn(cell, [tf.zeros([2, 3])])
    with pytest.raises(ValueError, match="at least one cell"):
        rnn_cell.MultiRNNCell([])
    with pytest.raises(ValueError, match="state_is_tuple is not set"):
        rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(2)], state_is_tuple=False)
    with pytest.raises(NotImplementedError, match="num_unit_shards"):
        rnn_cell.LSTMCell(2, num_unit_shards=2)
    with pytest.raises(ValueError, match="Unknown activation"):
        rnn_cell.GRUCell(2, activation="nope")
