package ai.temper.engine.eval;

/**
 * Length-controlled win rate after AlpacaEval 2: a logistic model of the judge's preference
 * p_i = sigmoid(a + b * tanh(d_i / sd(d))), d_i the model's answer length minus the reference's
 * (characters), fitted by maximum likelihood (Newton's method, soft targets, a small ridge on b);
 * the length-controlled win rate is sigmoid(a): the predicted win rate at equal lengths.
 */
public final class LengthControl {
  private LengthControl() {}

  /** {@code prefs}: the judge's probability that the model's answer wins, per instance. */
  public static double winRate(double[] prefs, double[] lengthDiff) {
    int n = prefs.length;
    if (n == 0) {
      return Double.NaN;
    }
    double mean = 0;
    for (double d : lengthDiff) {
      mean += d / n;
    }
    double var = 0;
    for (double d : lengthDiff) {
      var += (d - mean) * (d - mean) / n;
    }
    double sd = Math.sqrt(var);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = sd > 0 ? Math.tanh(lengthDiff[i] / sd) : 0;
    }
    double a = 0;
    double b = 0;
    double ridgeA = 1e-6;
    double ridgeB = 1e-3;
    for (int iter = 0; iter < 100; iter++) {
      double ga = -ridgeA * a;
      double gb = -ridgeB * b;
      double haa = ridgeA;
      double hab = 0;
      double hbb = ridgeB;
      for (int i = 0; i < n; i++) {
        double p = sigmoid(a + b * x[i]);
        double r = prefs[i] - p;
        ga += r;
        gb += r * x[i];
        double w = p * (1 - p);
        haa += w;
        hab += w * x[i];
        hbb += w * x[i] * x[i];
      }
      double det = haa * hbb - hab * hab;
      if (!(Math.abs(det) > 1e-12)) {
        break;
      }
      double da = (hbb * ga - hab * gb) / det;
      double db = (haa * gb - hab * ga) / det;
      // damped: all-wins or all-losses data push a towards infinity
      double step = Math.max(Math.abs(da), Math.abs(db));
      double scale = step > 5 ? 5 / step : 1;
      a += scale * da;
      b += scale * db;
      if (step < 1e-9) {
        break;
      }
      a = Math.max(-30, Math.min(30, a));
    }
    return sigmoid(a);
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
