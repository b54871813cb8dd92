namespace CarTRisk.Numerics;

/// <summary>Solves and inverts symmetric positive-definite p × p matrices stored row-major (the information matrices of
/// the regressions); null when the matrix is not positive definite or the result is not finite.</summary>
internal static class Cholesky
{
    public static double[]? Solve(double[] a, double[] b, int p)
    {
        var l = Factor(a, p);
        if (l is null)
        {
            return null;
        }

        var x = (double[])b.Clone();
        Substitute(l, x, p);
        return x.All(double.IsFinite) ? x : null;
    }

    /// <summary>The inverse, symmetrised ((A⁻¹ + A⁻ᵀ)/2).</summary>
    public static double[]? Inverse(double[] a, int p)
    {
        var l = Factor(a, p);
        if (l is null)
        {
            return null;
        }

        var inv = new double[p * p];
        var column = new double[p];
        for (int c = 0; c < p; c++)
        {
            Array.Clear(column);
            column[c] = 1;
            Substitute(l, column, p);
            for (int r = 0; r < p; r++)
            {
                inv[(r * p) + c] = column[r];
            }
        }

        var result = new double[p * p];
        for (int r = 0; r < p; r++)
        {
            for (int c = 0; c < p; c++)
            {
                result[(r * p) + c] = (inv[(r * p) + c] + inv[(c * p) + r]) / 2;
            }
        }

        return result.All(double.IsFinite) ? result : null;
    }

    /// <summary>The lower Cholesky factor L (A = LLᵀ, row-major, row by row as Cholesky-Banachiewicz) of the lower
    /// triangle of <paramref name="a"/>; null when a pivot is not positive or not finite (no exception: the fits probe
    /// indefinite matrices on purpose, and a thrown exception per probe cost more than the factorisation).</summary>
    private static double[]? Factor(double[] a, int p)
    {
        var l = new double[p * p];
        for (int j = 0; j < p; j++)
        {
            double d = 0;
            for (int k = 0; k < j; k++)
            {
                double s = 0;
                for (int i = 0; i < k; i++)
                {
                    s += l[(k * p) + i] * l[(j * p) + i];
                }

                s = (a[(j * p) + k] - s) / l[(k * p) + k];
                l[(j * p) + k] = s;
                d += s * s;
            }

            d = a[(j * p) + j] - d;
            if (!(d > 0) || !double.IsFinite(d))
            {
                return null;
            }

            l[(j * p) + j] = Math.Sqrt(d);
        }

        return l;
    }

    /// <summary>x ← (LLᵀ)⁻¹x: forward then back substitution.</summary>
    private static void Substitute(double[] l, double[] x, int p)
    {
        for (int i = 0; i < p; i++)
        {
            double s = x[i];
            for (int k = 0; k < i; k++)
            {
                s -= l[(i * p) + k] * x[k];
            }

            x[i] = s / l[(i * p) + i];
        }

        for (int i = p - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int k = i + 1; k < p; k++)
            {
                s -= l[(k * p) + i] * x[k];
            }

            x[i] = s / l[(i * p) + i];
        }
    }

    /// <summary>x = A⁻b by the generalized Cholesky LDLᵀ of survival's cholesky2/chsolve2 (the Wald test of coxph):
    /// a pivot below toler·max|A_ii| (or not finite) is set to 0 and its component of the solution is 0, so a
    /// rank-deficient (e.g. robust) variance gives the test on the space it spans. toler = .Machine$double.eps^0.75.</summary>
    public static double[] SolveGeneralized(double[] a, double[] b, int p, double toler = 1.8189894035458617e-12)
    {
        var m = (double[])a.Clone();
        double eps = 0;
        for (int i = 0; i < p; i++)
        {
            eps = Math.Max(eps, Math.Abs(m[(i * p) + i]));
        }

        eps = eps == 0 ? toler : eps * toler;
        for (int i = 0; i < p; i++)
        {
            double pivot = m[(i * p) + i];
            if (!double.IsFinite(pivot) || pivot < eps)
            {
                m[(i * p) + i] = 0;
                continue;
            }

            for (int j = i + 1; j < p; j++)
            {
                double temp = m[(j * p) + i] / pivot;
                m[(j * p) + i] = temp;
                m[(j * p) + j] -= temp * temp * pivot;
                for (int k = j + 1; k < p; k++)
                {
                    m[(k * p) + j] -= temp * m[(k * p) + i];
                }
            }
        }

        var y = (double[])b.Clone();
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < i; j++)
            {
                y[i] -= y[j] * m[(i * p) + j];
            }
        }

        for (int i = p - 1; i >= 0; i--)
        {
            double dii = m[(i * p) + i];
            if (dii == 0)
            {
                y[i] = 0;
            }
            else
            {
                y[i] /= dii;
                for (int j = i + 1; j < p; j++)
                {
                    y[i] -= y[j] * m[(j * p) + i];
                }
            }
        }

        return y;
    }
}
