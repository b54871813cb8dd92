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
}
