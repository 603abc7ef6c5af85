// The gradients of the scalar activation kinds (7 on, see activations.ts), from the input: the
// training core's part of the activation table.
//   x, dy, dz [M, N] dense rows

import { ACT_LOG_SOFTMAX, SELU_ALPHA, SELU_SCALE, erf1, expf1, sigmoid1, softplus1, tanh1 } from "./activations";

// The derivative of a scalar kind at input x (TensorFlow's gradients: relu6 and hard_tanh 0 at their
// corners, leaky_relu and elu the left slope at 0).
function actScalarGrad(x: f32, kind: i32): f32 {
  switch (kind) {
    case 7: {
      const cdf = <f32>0.5 * (<f32>1 + erf1(x * <f32>0.70710678118654752));
      return cdf + x * <f32>0.3989422804014327 * expf1(<f32>-0.5 * x * x);
    }
    case 8: {
      const s = sigmoid1(x);
      return s + x * s * (<f32>1 - s);
    }
    case 9: return sigmoid1(x);
    case 10: {
      const d = <f32>1 + abs(x);
      return <f32>1 / (d * d);
    }
    case 11: return x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * expf1(x);
    case 12: return x > 0 ? <f32>1 : expf1(x);
    case 13: return expf1(x);
    case 14: return x > 0 ? <f32>1 : <f32>0.2;
    case 15: return x > 0 && x < 6 ? <f32>1 : <f32>0;
    case 16: {
      const h = min(max(x + <f32>3, <f32>0), <f32>6) / <f32>6;
      return h + (x > -3 && x < 3 ? x / <f32>6 : <f32>0);
    }
    case 17: {
      const t = tanh1(softplus1(x));
      return t + x * (<f32>1 - t * t) * sigmoid1(x);
    }
    case 19: return x > -1 && x < 1 ? <f32>1 : <f32>0;
    case 20: return sigmoid1(-x);
    case 21: {
      const t = tanh1(x);
      return t * t;
    }
    default: return 1;
  }
}

// Backward of activate_rows for the scalar kinds, from the input x (their derivatives are not
// functions of the output): dz[m, j] = dy[m, j] * act'(x[m, j]).  x, dy, dz [M, N] dense rows.
// log_softmax (a row operation, from its output y passed as x): dz = dy - e^y * sum(dy).
export function activation_backward_x(M: i32, N: i32, x: usize, dy: usize, dz: usize, kind: i32): void {
  for (let m = 0; m < M; m++) {
    const r = <usize>m * <usize>N << 2;
    let sum: f32 = 0;
    if (kind == ACT_LOG_SOFTMAX) for (let j = 0; j < N; j++) sum += load<f32>(dy + r + (<usize>j << 2));
    for (let j = 0; j < N; j++) {
      const o = r + (<usize>j << 2);
      const v = load<f32>(x + o), g = load<f32>(dy + o);
      store<f32>(dz + o, kind == ACT_LOG_SOFTMAX ? g - expf1(v) * sum : g * actScalarGrad(v, kind));
    }
  }
}
