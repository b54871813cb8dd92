using System.Globalization;
using System.Text;

namespace CarTRisk.Benchmarks;

/// <summary>Fixed-seed data shaped like R's bench_r.R: integer days in [1, 3650], ~10 % events, causes ~3 %/~7 %.</summary>
public static class BenchmarkData
{
    public static (double[] Time, bool[] Event, int[] Cause) Survival(int n, int seed = 1)
    {
        var rng = new Random(seed);
        var time = new double[n];
        var ev = new bool[n];
        var cause = new int[n];
        for (int i = 0; i < n; i++)
        {
            time[i] = rng.Next(1, 3651);
            double u = rng.NextDouble();
            cause[i] = u < 0.03 ? 1 : u < 0.10 ? 2 : 0;
            ev[i] = cause[i] != 0;
        }

        return (time, ev, cause);
    }

    /// <summary>Writes a valid cohort CSV of n rows and returns its path.</summary>
    public static string CohortFile(int n, int seed = 1)
    {
        var rng = new Random(seed);
        string path = Path.Combine(Path.GetTempPath(), $"cartrisk-bench-{n}.csv");
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        w.Write("patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene\n");
        string[] products = ["axi-cel", "tisa-cel", "liso-cel", "brexu-cel", "ide-cel", "cilta-cel"];
        var start = new DateOnly(2017, 1, 1);
        for (int i = 0; i < n; i++)
        {
            var inf = start.AddDays(rng.Next(0, 2500));
            var last = inf.AddDays(rng.Next(0, 2000));
            string mal = rng.NextDouble() < 0.03 ? inf.AddDays(rng.Next(0, last.DayNumber - inf.DayNumber + 1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "";
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"P{i},{products[i % 6]},{inf:yyyy-MM-dd},{last:yyyy-MM-dd},{mal},{(mal.Length > 0 ? "solid" : "")},,\n"));
        }

        return path;
    }
}
