using System.Globalization;
using System.Text;

namespace CarTRisk;

/// <summary>Synthetic cohort CSV files of any size for testing pipelines and measuring speed (not for inference): six
/// products, infusions 2016-2025, follow-up up to 9 years, about 6 % secondary malignancies (a third tested for the
/// transgene) and 30 % deaths, in the schema of docs/cohort-schema.md. The same seed gives the same file.</summary>
public static class SyntheticCohort
{
    private static readonly string[] Products = ["axi-cel", "tisa-cel", "liso-cel", "brexu-cel", "ide-cel", "cilta-cel"];

    private static readonly string[] Types = ["T-cell lymphoma", "MDS/AML", "solid", "skin"];

    /// <summary>Writes <paramref name="rows"/> patients to <paramref name="path"/> (about 80 bytes a row).</summary>
    /// <param name="path">The file to write (replaced).</param>
    /// <param name="rows">Number of patients, 1..10^9.</param>
    /// <param name="seed">The random seed.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is out of range.</exception>
    public static void Write(string path, long rows, int seed = 2026)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (rows is < 1 or > 1_000_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be 1..10^9.");
        }

        var rng = new Random(seed);
        var origin = new DateOnly(2016, 1, 1);
        var censor = new DateOnly(2025, 6, 30);
        var c = CultureInfo.InvariantCulture;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene\n");
        var line = new StringBuilder(128);
        for (long i = 0; i < rows; i++)
        {
            var infusion = origin.AddDays(rng.Next(0, 3400));
            int maxFollow = censor.DayNumber - infusion.DayNumber;
            int follow = (int)Math.Min(maxFollow, -Math.Log(1 - rng.NextDouble()) * 1400);
            var last = infusion.AddDays(follow);
            string malignancy = "", type = "", death = "", transgene = "";
            double u = rng.NextDouble();
            if (u < 0.06)
            {
                malignancy = infusion.AddDays(rng.Next(0, follow + 1)).ToString("yyyy-MM-dd", c);
                type = Types[rng.Next(Types.Length)];
                transgene = rng.Next(3) switch { 0 => "positive", 1 => "negative", _ => "" };
            }
            else if (u < 0.36)
            {
                death = infusion.AddDays(rng.Next(0, follow + 1)).ToString("yyyy-MM-dd", c);
            }

            line.Clear();
            line.Append('P').Append(i.ToString(c)).Append(',').Append(Products[rng.Next(Products.Length)]).Append(',')
                .Append(infusion.ToString("yyyy-MM-dd", c)).Append(',').Append(last.ToString("yyyy-MM-dd", c)).Append(',')
                .Append(malignancy).Append(',').Append(type).Append(',').Append(death).Append(',').Append(transgene).Append('\n');
            writer.Write(line);
        }
    }
}
