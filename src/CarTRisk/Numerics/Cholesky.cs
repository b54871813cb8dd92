using MathNet.Numerics.LinearAlgebra;

namespace CarTRisk.Numerics;

/// <summary>Solves and inverts symmetric positive-definite p × p matrices stored row-major (the information matrices of
/// the regressions); null when the matrix is not positive definite or the result is not finite.</summary>
internal static class Cholesky
{
    public static double[]? Solve(double[] a, double[] b, int p)
    {
        try
        {
            var x = Matrix<double>.Build.Dense(p, p, (r, c) => a[(r * p) + c]).Cholesky().Solve(Vector<double>.Build.DenseOfArray(b)).ToArray();
            return x.All(double.IsFinite) ? x : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The inverse, symmetrised ((A⁻¹ + A⁻ᵀ)/2).</summary>
    public static double[]? Inverse(double[] a, int p)
    {
        try
        {
            var inv = Matrix<double>.Build.Dense(p, p, (r, c) => a[(r * p) + c]).Cholesky().Solve(Matrix<double>.Build.DenseIdentity(p));
            var result = new double[p * p];
            for (int r = 0; r < p; r++)
            {
                for (int c = 0; c < p; c++)
                {
                    result[(r * p) + c] = (inv[r, c] + inv[c, r]) / 2;
                }
            }

            return result.All(double.IsFinite) ? result : null;
        }
        catch (ArgumentException)
        {
            return null;
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
