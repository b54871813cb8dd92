namespace CarTRisk.Numerics;

/// <summary>
/// Accurate tail probabilities and quantiles of the beta, gamma, binomial and normal distributions.
/// </summary>
/// <remarks>
/// MathNet's inverse beta and gamma lose relative accuracy when the shape parameters are large (n = 10^9) or
/// the tail probability is tiny, because their densities are formed as exp(a log x + b log(1 − x) − log B(a, b)),
/// a difference of numbers of order n. Here the density prefactor uses Loader's (2000) saddle-point form,
/// x^a (1−x)^b / B(a, b) = sqrt(ab / (2πn)) · exp(−bd0(a, nx) − bd0(b, n(1−x)) + δ(n) − δ(a) − δ(b)),
/// with the deviance bd0 and Stirling's error δ computed without cancellation; the incomplete functions are
/// Lentz continued fractions (Numerical Recipes §6.2/6.4), evaluated on whichever tail is small, and quantiles
/// are found by safeguarded Newton iteration on the log of that tail. Reference: C. Loader, "Fast and accurate
/// computation of binomial probabilities", 2000.
/// </remarks>
internal static class Distributions
{
    /// <summary>The trigamma function ψ1(x) = d²/dx² log Γ(x), x &gt; 0: the recurrence ψ1(x) = ψ1(x + 1) + 1/x² up to
    /// x ≥ 12, then ψ1(x) ~ 1/x + 1/(2x²) + Σ B₂ₖ/x^(2k+1) (seven Bernoulli terms; the next is below 1e-16 relative).</summary>
    public static double Trigamma(double x)
    {
        double acc = 0;
        while (x < 12)
        {
            acc += 1 / (x * x);
            x += 1;
        }

        double r = 1 / x, x2 = r * r;
        double series = (-691.0 / 2730) + (x2 * (7.0 / 6));
        series = (5.0 / 66) + (x2 * series);
        series = (-1.0 / 30) + (x2 * series);
        series = (1.0 / 42) + (x2 * series);
        series = (-1.0 / 30) + (x2 * series);
        series = (1.0 / 6) + (x2 * series);
        series *= x2;
        return acc + r + (0.5 * x2) + (r * series);
    }

    private const double LnSqrt2Pi = 0.91893853320467274178032973640562;
    private const double TwoPi = 6.283185307179586476925286766559;
    private const double Epsilon = 1e-16;
    private const double Tiny = 1e-300;
    private const int MaxIterations = 5_000_000;

    /// <summary>δ(z) = log Γ(z + 1) − (z + ½) log z + z − log √(2π), the error of Stirling's formula.</summary>
    public static double StirlingError(double z)
    {
        if (z <= 15)
        {
            return MathNet.Numerics.SpecialFunctions.GammaLn(z + 1) - ((z + 0.5) * Math.Log(z)) + z - LnSqrt2Pi;
        }

        const double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
        double zz = z * z;
        if (z > 500)
        {
            return (s0 - (s1 / zz)) / z;
        }

        if (z > 80)
        {
            return (s0 - ((s1 - (s2 / zz)) / zz)) / z;
        }

        if (z > 35)
        {
            return (s0 - ((s1 - ((s2 - (s3 / zz)) / zz)) / zz)) / z;
        }

        return (s0 - ((s1 - ((s2 - ((s3 - (s4 / zz)) / zz)) / zz)) / zz)) / z;
    }

    /// <summary>The deviance term bd0(x, m) = x log(x/m) + m − x, computed without cancellation when x ≈ m.</summary>
    public static double Deviance(double x, double m)
    {
        if (Math.Abs(x - m) < 0.1 * (x + m))
        {
            double v = (x - m) / (x + m);
            double s = (x - m) * v;
            double ej = 2 * x * v;
            double v2 = v * v;
            for (int j = 1; j < 1000; j++)
            {
                ej *= v2;
                double s1 = s + (ej / ((2 * j) + 1));
                if (s1 == s)
                {
                    return s1;
                }

                s = s1;
            }

            return s;
        }

        return (x * Math.Log(x / m)) + m - x;
    }

    /// <summary>x^a y^b / B(a, b) for a, b &gt; 0, 0 &lt; x &lt; 1 and y = 1 − x, both passed so that the one near 0
    /// keeps its full relative precision (forming 1 − (1 − x) would lose it).</summary>
    private static double BetaPrefactor(double a, double b, double x, double y)
    {
        double n = a + b;
        double log = -Deviance(a, n * x) - Deviance(b, n * y)
            + StirlingError(n) - StirlingError(a) - StirlingError(b);
        return Math.Sqrt(a * b / (TwoPi * n)) * Math.Exp(log);
    }

    /// <summary>Continued fraction of the incomplete beta function (modified Lentz), valid for x &lt; (a+1)/(a+b+2).</summary>
    private static double BetaContinuedFraction(double a, double b, double x)
    {
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1;
        double d = 1 - (qab * x / qap);
        if (Math.Abs(d) < Tiny)
        {
            d = Tiny;
        }

        d = 1 / d;
        double h = d;
        for (int m = 1; m < MaxIterations; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + (aa * d);
            if (Math.Abs(d) < Tiny)
            {
                d = Tiny;
            }

            c = 1 + (aa / c);
            if (Math.Abs(c) < Tiny)
            {
                c = Tiny;
            }

            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + (aa * d);
            if (Math.Abs(d) < Tiny)
            {
                d = Tiny;
            }

            c = 1 + (aa / c);
            if (Math.Abs(c) < Tiny)
            {
                c = Tiny;
            }

            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.Abs(del - 1) < Epsilon)
            {
                return h;
            }
        }

        throw new ArithmeticException(
            $"The incomplete beta continued fraction did not converge for a = {a}, b = {b}, x = {x}.");
    }

    /// <summary>
    /// The regularized incomplete beta I_x(a, b) (<paramref name="upper"/> false) or its complement 1 − I_x(a, b)
    /// (<paramref name="upper"/> true), each accurate in relative terms when it is small.
    /// </summary>
    public static double BetaTail(double a, double b, double x, bool upper)
    {
        if (x <= 0)
        {
            return upper ? 1 : 0;
        }

        if (x >= 1)
        {
            return upper ? 0 : 1;
        }

        if (a == Math.Floor(a) && b == Math.Floor(b) && a + b - 1 <= int.MaxValue)
        {
            // I_x(a, b) = P(X >= a) for X ~ Bin(a + b - 1, x): positive sums, exact to a few ulps for any n.
            return upper
                ? BinomialTail((int)(a + b - 1), x, (int)a - 1, upper: false)
                : BinomialTail((int)(a + b - 1), x, (int)a, upper: true);
        }

        double y = 1 - x;

        // One shape small and the other huge (Jeffreys at n = 1e9): both continued fractions lose up to log10(b)
        // digits in their first convergent, 1 - (a+b)x/(a+1). The hypergeometric series of DLMF 8.17.8 (n·x < 500, so its
        // largest term, about e^(n·x), cannot overflow),
        // I_x(a,b) = x^a y^b/(a B(a,b)) · Σ_k (a+b)_k/(a+1)_k x^k, has positive terms there and needs about n·x of them.
        if (a < 1e3 && b > 1e6 && (a + b) * x < 500)
        {
            // The far upper tail (past the mean) by quadrature, so that it is not 1 minus a number near 1.
            // The integrand below decays like exp(−r·u) with r = 1 − (a − 1)/(b·x): use it where that is quick.
            if (upper && (a + b) * x > a + 1 && 1 - ((a - 1) / (b * x)) >= 0.25)
            {
                return BetaUpperTailQuadrature(a, b, x, y);
            }

            double i = BetaSeries(a, b, x, y);
            return upper ? 1 - i : i;
        }

        if (upper && b < 1e3 && a > 1e6 && (a + b) * y < 500)
        {
            return BetaSeries(b, a, y, x);   // 1 - I_x(a, b) = I_y(b, a), directly (1 - it would cancel: the fraction below serves)
        }

        bool direct = x < (a + 1) / (a + b + 2);

        double small = direct
            ? BetaPrefactor(a, b, x, y) * BetaContinuedFraction(a, b, x) / a
            : BetaPrefactor(b, a, y, x) * BetaContinuedFraction(b, a, y) / b;

        // `small` is I_x(a,b) when direct, else 1 - I_x(a,b).
        return direct == !upper ? small : 1 - small;
    }

    /// <summary>I_x(a, b) by the positive series Σ_k (a+b)_k/(a+1)_k x^k (DLMF 8.17.8), for x·(a+b) moderate.</summary>
    private static double BetaSeries(double a, double b, double x, double y)
    {
        double term = 1, sum = 1;
        for (int k = 0; k < MaxIterations; k++)
        {
            term *= (a + b + k) * x / (a + 1 + k);
            sum += term;
            if (term <= sum * 1e-17)
            {
                return BetaPrefactor(a, b, x, y) / a * sum;
            }
        }

        throw new ArithmeticException($"The incomplete beta series did not converge for a = {a}, b = {b}, x = {x}.");
    }

    /// <summary>1 − I_x(a, b) for a small and b huge, as the positive integral
    /// x^(a−1) y^(b−1)/(b·B(a, b)) · ∫₀^{b·y} (1 + u/(b·x))^(a−1) (1 − u/(b·y))^(b−1) du (t = x + u/b), whose integrand
    /// decays like e^(−r·u), r = 1 − (a − 1)/(b·x) ≥ ¼: composite 20-point Gauss-Legendre on [0, min(b·y, 40 + 120/r)] in
    /// panels of width 1 (the tail beyond is below e^(−120) of the integral).</summary>
    private static double BetaUpperTailQuadrature(double a, double b, double x, double y)
    {
        double bx = b * x, by = b * y;
        double rate = 1 - ((a - 1) / bx);   // >= 0.25 by the caller's guard
        double end = Math.Min(by, 40 + (120 / rate));
        var rule = new MathNet.Numerics.Integration.GaussLegendreRule(0, 1, 20);
        double sum = 0;
        for (double lo = 0; lo < end; lo += 1)
        {
            double hi = Math.Min(lo + 1, end), width = hi - lo;
            for (int q = 0; q < rule.Order; q++)
            {
                double u = lo + (rule.Abscissas[q] * width);
                double f = Math.Exp(((a - 1) * Elementary.Log1P(u / bx)) + ((b - 1) * Elementary.Log1P(-u / by)));
                sum += rule.Weights[q] * width * f;
            }
        }

        return BetaPrefactor(a, b, x, y) / (x * y * b) * sum;
    }

    /// <summary>The beta density x^(a−1)(1−x)^(b−1)/B(a, b).</summary>
    public static double BetaDensity(double a, double b, double x) =>
        x <= 0 || x >= 1 ? 0 : BetaPrefactor(a, b, x, 1 - x) / (x * (1 - x));

    /// <summary>
    /// The beta quantile: the x with I_x(a, b) = p when <paramref name="upper"/> is false, or with
    /// 1 − I_x(a, b) = p when it is true (so that upper-tail quantiles are found without the rounding of 1 − p).
    /// </summary>
    public static double BetaQuantile(double a, double b, double p, bool upper)
    {
        double logTarget = Math.Log(p);
        double guess = a / (a + b);
        return Solve(
            x => Math.Log(BetaTail(a, b, x, upper)),
            x => (upper ? -1 : 1) * BetaDensity(a, b, x) / BetaTail(a, b, x, upper),
            logTarget, increasing: !upper, lo: 0, hi: 1, guess);
    }

    /// <summary>x^a e^(−x) / Γ(a + 1) (the Poisson probability for integer a), by Loader's saddle-point form.</summary>
    /// <summary>P(X = k) for X ~ Poisson(m) (R's dpois), by Loader's saddle-point form.</summary>
    public static double PoissonProbability(double k, double m) =>
        m == 0 ? (k == 0 ? 1 : 0) : k == 0 ? Math.Exp(-m) : PoissonPrefactor(k, m);

    private static double PoissonPrefactor(double a, double x) =>
        Math.Exp(-StirlingError(a) - Deviance(a, x)) / Math.Sqrt(TwoPi * a);

    /// <summary>Temme's uniform asymptotic expansion (DiDonato and Morris 1986) for large a: with λ = x/a and
    /// η = sign(λ − 1)·√(2(λ − 1 − log λ)), Q(a, x) = ½erfc(η√(a/2)) + e^(−aη²/2)/√(2πa)·c₀(η) + O(a^(−3/2)e^(−aη²/2)),
    /// c₀(η) = 1/(λ − 1) − 1/η (its series −1/3 + η/12 − 2η²/135 + η³/864 near η = 0). For a &gt; 1e7 the omitted term
    /// is below 1e-10 of the leading one.</summary>
    private static double TemmeGamma(double a, double x, bool upper)
    {
        double lm1 = (x - a) / a;
        double d;   // λ − 1 − log λ ≥ 0; near λ = 1 by its series Σ_{k≥2} (−1)^k (λ − 1)^k / k (the difference cancels)
        if (Math.Abs(lm1) < 0.1)
        {
            d = 0;
            double power = -lm1;   // (−1)^k x^k, from k = 2
            for (int k = 2; k < 60; k++)
            {
                power *= -lm1;
                double term = power / k;
                d += term;
                if (Math.Abs(term) <= 1e-17 * Math.Abs(d))
                {
                    break;
                }
            }
        }
        else
        {
            d = lm1 - Elementary.Log1P(lm1);
        }

        double eta = Math.Sign(lm1) * Math.Sqrt(2 * Math.Max(d, 0));
        double c0 = Math.Abs(eta) < 1e-3
            ? -1.0 / 3 + (eta / 12) - (2 * eta * eta / 135) + (eta * eta * eta / 864)
            : (1 / lm1) - (1 / eta);
        double tail = Math.Exp(-0.5 * a * eta * eta) / Math.Sqrt(2 * Math.PI * a) * c0;
        double arg = eta * Math.Sqrt(a / 2);
        double q = (0.5 * MathNet.Numerics.SpecialFunctions.Erfc(arg)) + tail;
        double p = (0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-arg)) - tail;
        return upper ? Math.Clamp(q, 0, 1) : Math.Clamp(p, 0, 1);
    }

    /// <summary>
    /// The regularized incomplete gamma P(a, x) (<paramref name="upper"/> false) or Q(a, x) = 1 − P(a, x)
    /// (<paramref name="upper"/> true), each accurate in relative terms when it is small.
    /// </summary>
    public static double GammaTail(double a, double x, bool upper) =>
        x <= 0 ? (upper ? 1 : 0) : double.IsPositiveInfinity(x) ? (upper ? 0 : 1) : GammaTail(a, StirlingError(a), x, upper, out _);

    /// <summary><see cref="GammaTail(double, double, bool)"/> for x &gt; 0 with the shape's Stirling error given (computed
    /// once per shape by callers that evaluate one shape many times), and the density x^(a−1)e^(−x)/Γ(a) at x from the
    /// same prefactor.</summary>
    internal static double GammaTail(double a, double stirlingA, double x, bool upper, out double density)
    {
        if (a > 1e7)
        {
            // the series and the continued fraction need ~√a terms here: Temme's uniform expansion instead
            density = GammaDensity(a, x);
            return TemmeGamma(a, x, upper);
        }

        double prefactor = Math.Exp(-stirlingA - Deviance(a, x)) / Math.Sqrt(TwoPi * a);   // x^a e^-x / Γ(a+1)
        density = a * prefactor / x;
        if (prefactor == 0 || double.IsNaN(prefactor))
        {
            // x^a e^-x / Γ(a) underflows: far in a tail (x ≫ a: Q below the smallest double; x ≪ a: P so)
            return (x >= a) == upper ? 0 : 1;
        }

        if (x < a + 1)
        {
            // P(a, x) = x^a e^-x / Γ(a+1) · Σ_k x^k / ((a+1)···(a+k))
            double term = 1, sum = 1;
            for (int k = 1; k < MaxIterations; k++)
            {
                term *= x / (a + k);
                sum += term;
                if (term < sum * Epsilon)
                {
                    double p = prefactor * sum;
                    return upper ? 1 - p : p;
                }
            }

            throw new ArithmeticException($"The incomplete gamma series did not converge for a = {a}, x = {x}.");
        }

        // Q(a, x) = x^a e^-x / Γ(a) · continued fraction (modified Lentz).
        double bb = x + 1 - a;
        double c = 1 / Tiny;
        double d = 1 / bb;
        double h = d;
        for (int i = 1; i < MaxIterations; i++)
        {
            double an = -i * (i - a);
            bb += 2;
            d = (an * d) + bb;
            if (Math.Abs(d) < Tiny)
            {
                d = Tiny;
            }

            c = bb + (an / c);
            if (Math.Abs(c) < Tiny)
            {
                c = Tiny;
            }

            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.Abs(del - 1) <= Epsilon * 4)
            {
                double q = a * prefactor * h;
                return upper ? q : 1 - q;
            }
        }

        throw new ArithmeticException($"The incomplete gamma continued fraction did not converge for a = {a}, x = {x}.");
    }

    /// <summary>The gamma(shape a, scale 1) density.</summary>
    public static double GammaDensity(double a, double x) => x <= 0 ? 0 : a * PoissonPrefactor(a, x) / x;

    /// <summary>The gamma(shape a, scale 1) quantile: P(a, x) = p, or Q(a, x) = p when <paramref name="upper"/>.</summary>
    public static double GammaQuantile(double a, double p, bool upper)
    {
        double logTarget = Math.Log(p);
        double hi = Math.Max(1, 2 * a);
        while (upper ? GammaTail(a, hi, true) > p : GammaTail(a, hi, false) < p)
        {
            hi *= 2;
        }

        return Solve(
            x => Math.Log(GammaTail(a, x, upper)),
            x => (upper ? -1 : 1) * GammaDensity(a, x) / GammaTail(a, x, upper),
            logTarget, increasing: !upper, lo: 0, hi: hi, guess: Math.Min(a, hi / 2));
    }

    /// <summary>
    /// Solves f(x) = target for a monotone f on (lo, hi) by Newton's method on f with derivative df,
    /// falling back to bisection (geometric when the bracket spans orders of magnitude) whenever a step leaves
    /// the bracket. Stops when the step is below 4 ulps of x.
    /// </summary>
    private static double Solve(Func<double, double> f, Func<double, double> df, double target, bool increasing,
        double lo, double hi, double guess)
    {
        double x = guess > lo && guess < hi ? guess : Midpoint(lo, hi);
        for (int iteration = 0; iteration < 400; iteration++)
        {
            double g = f(x) - target;
            if (g == 0 || double.IsNaN(g))
            {
                if (double.IsNaN(g))
                {
                    throw new ArithmeticException($"Quantile search met NaN at x = {x}.");
                }

                return x;
            }

            if ((g > 0) == increasing)
            {
                hi = x;
            }
            else
            {
                lo = x;
            }

            double slope = df(x);
            double next = x - (g / slope);
            if (!(next > lo && next < hi) || double.IsInfinity(slope) || slope == 0)
            {
                next = Midpoint(lo, hi);
            }

            if (Math.Abs(next - x) <= 4e-16 * Math.Abs(x) || next == lo || next == hi)
            {
                return next;
            }

            x = next;
        }

        return x;
    }

    private static double Midpoint(double lo, double hi)
    {
        if (lo == 0)
        {
            return hi / 16;
        }

        return hi / lo > 16 ? Math.Sqrt(lo) * Math.Sqrt(hi) : lo + ((hi - lo) / 2);
    }

    /// <summary>Binomial probability P(X = k) for X ~ Bin(n, p) (Loader's saddle-point algorithm, as R's dbinom).</summary>
    public static double BinomialProbability(int k, int n, double p)
    {
        double q = 1 - p;
        if (p == 0)
        {
            return k == 0 ? 1 : 0;
        }

        if (q == 0)
        {
            return k == n ? 1 : 0;
        }

        if (k == 0)
        {
            return n == 0 ? 1 : Math.Exp(n * Elementary.Log1P(-p));
        }

        if (k == n)
        {
            return Math.Exp(n * Math.Log(p));
        }

        double lc = StirlingError(n) - StirlingError(k) - StirlingError(n - k)
            - Deviance(k, n * p) - Deviance(n - k, n * q);
        double f = TwoPi * k * (n - k) / n;
        return Math.Exp(lc) / Math.Sqrt(f);
    }

    /// <summary>P(X ≤ k) (<paramref name="upper"/> false) or P(X &gt; k) (true) for X ~ Bin(n, p).</summary>
    public static double BinomialCdf(int k, int n, double p, bool upper) =>
        upper ? BinomialTail(n, p, k + 1, upper: true) : BinomialTail(n, p, k, upper: false);

    /// <summary>
    /// P(X ≥ k) (<paramref name="upper"/>) or P(X ≤ k) for X ~ Bin(n, p), as a sum of Loader probabilities taken
    /// from k away from the mode, so every term is positive and the sum is accurate in relative terms however
    /// small it is. A tail that holds the mode is computed as 1 minus the opposite tail.
    /// </summary>
    public static double BinomialTail(int n, double p, int k, bool upper)
    {
        if (upper)
        {
            if (k <= 0)
            {
                return 1;
            }

            if (k > n)
            {
                return 0;
            }

            return k > ((double)n + 1) * p ? SumAway(n, p, k, up: true) : 1 - SumAway(n, p, k - 1, up: false);
        }

        if (k < 0)
        {
            return 0;
        }

        if (k >= n)
        {
            return 1;
        }

        return k < (((double)n + 1) * p) - 1 ? SumAway(n, p, k, up: false) : 1 - SumAway(n, p, k + 1, up: true);
    }

    private static double SumAway(int n, double p, int k, bool up)
    {
        double q = 1 - p;
        double term = BinomialProbability(k, n, p);
        double sum = term;
        int j = k;
        int steps = 0;
        while (up ? j < n : j > 0)
        {
            if (up)
            {
                j++;
                term *= (double)(n - j + 1) / j * (p / q);
            }
            else
            {
                j--;
                term *= (double)(j + 1) / (n - j) * (q / p);
            }

            if (++steps % 32 == 0)
            {
                term = BinomialProbability(j, n, p); // resynchronise: the recurrence drifts by an ulp a step
            }

            sum += term;
            if (term <= sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }

    /// <summary>The standard normal quantile (MathNet's erfc-inverse, accurate to a few ulps).</summary>
    public static double NormalQuantile(double p) => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, p);

    /// <summary>P(Z &gt; x) for a standard normal, as erfc(x/√2)/2 (accurate in the far tail, unlike 1 − Φ).</summary>
    public static double NormalTail(double x) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(x / Math.Sqrt(2));
}

/// <summary>Accurate log(1 + x) and exp(x) − 1 (the BCL's double.LogP1/ExpM1 are computed naively).</summary>
internal static class Elementary
{
    /// <summary>log(1 + x), accurate near 0 (Goldberg 1991, Theorem 4).</summary>
    public static double Log1P(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>exp(x) − 1, accurate near 0 (Kahan's trick).</summary>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1)
        {
            return x;
        }

        double um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }
}
