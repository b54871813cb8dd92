using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>A population incidence rate for one sex, age band [AgeFrom, AgeTo) in years and calendar years
/// YearFrom..YearTo (inclusive).</summary>
/// <param name="Sex">The sex.</param>
/// <param name="AgeFrom">Lower age limit (years, inclusive).</param>
/// <param name="AgeTo">Upper age limit (years, exclusive).</param>
/// <param name="YearFrom">First calendar year.</param>
/// <param name="YearTo">Last calendar year (inclusive).</param>
/// <param name="RatePerPersonYear">Cases per person-year (a CSV's rate_per_100000 / 1e5).</param>
public sealed record ReferenceRate(Sex Sex, double AgeFrom, double AgeTo, int YearFrom, int YearTo, double RatePerPersonYear);

/// <summary>
/// Population incidence rates by sex, age band and calendar year, validated as a complete grid: the age limits of
/// every row together form one set of bands, and for each sex present every band of every year between the first and
/// the last is covered exactly once. Overlaps and gaps are errors that name the cells.
/// </summary>
public sealed class ReferenceRates
{
    private readonly double[] rates;   // [sex][year − FirstYear][band]

    private ReferenceRates(ImmutableArray<ReferenceRate> rows, double[] ageBounds, int firstYear, int lastYear, bool[] sexes, double[] rates)
    {
        Rows = rows;
        AgeBounds = [.. ageBounds];
        FirstYear = firstYear;
        LastYear = lastYear;
        this.sexes = sexes;
        this.rates = rates;
    }

    private readonly bool[] sexes;

    /// <summary>The rows as given.</summary>
    public ImmutableArray<ReferenceRate> Rows { get; }

    /// <summary>The union of the age limits, ascending: band i is [AgeBounds[i], AgeBounds[i + 1]).</summary>
    public ImmutableArray<double> AgeBounds { get; }

    /// <summary>The first calendar year covered.</summary>
    public int FirstYear { get; }

    /// <summary>The last calendar year covered (inclusive).</summary>
    public int LastYear { get; }

    internal int Bands => AgeBounds.Length - 1;

    internal bool Covers(Sex sex) => sexes[(int)sex];

    /// <summary>The rate of a cell, or NaN outside the table.</summary>
    internal double Rate(Sex sex, int band, int year) =>
        !sexes[(int)sex] || band < 0 || band >= Bands || year < FirstYear || year > LastYear
            ? double.NaN
            : rates[(((int)sex * (LastYear - FirstYear + 1)) + (year - FirstYear)) * Bands + band];

    /// <summary>Reads a rate table: columns <c>sex, age_from, age_to, year_from, year_to, rate_per_100000</c> (header
    /// required, any order; sex <c>female</c> or <c>male</c>; invariant numbers; years inclusive).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The validated table.</returns>
    /// <exception cref="ArgumentException">An empty path.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">A malformed line (line and column named), an overlap or a gap (cells named).</exception>
    public static ReferenceRates ReadCsv(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Rate file '{path}' does not exist.", path);
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new FormatException($"{path}: line 1: the file is empty.");
        }

        var header = lines[0].TrimStart('\uFEFF').Split(',');
        string[] needed = ["sex", "age_from", "age_to", "year_from", "year_to", "rate_per_100000"];
        var col = needed.ToDictionary(n => n, n => Array.IndexOf(header, n));
        foreach (var (name, index) in col)
        {
            if (index < 0)
            {
                throw new FormatException($"{path}: line 1: the header lacks the column '{name}'.");
            }
        }

        var rows = new List<ReferenceRate>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var f = lines[i].Split(',');
            if (f.Length != header.Length)
            {
                throw new FormatException($"{path}: line {i + 1}: {f.Length} fields, the header has {header.Length}.");
            }

            string Field(string name) => f[col[name]];
            double Num(string name) => double.TryParse(Field(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v : throw new FormatException($"{path}: line {i + 1}, column {name}: '{CohortCsv.Clip(Field(name))}' is not a number.");
            int Int(string name) => int.TryParse(Field(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? v : throw new FormatException($"{path}: line {i + 1}, column {name}: '{CohortCsv.Clip(Field(name))}' is not a whole year.");
            var sex = Field("sex") switch
            {
                "female" => Sex.Female,
                "male" => Sex.Male,
                var other => throw new FormatException($"{path}: line {i + 1}, column sex: '{CohortCsv.Clip(other)}' is not female or male."),
            };
            double rate = Num("rate_per_100000");
            if (rate < 0)
            {
                throw new FormatException($"{path}: line {i + 1}, column rate_per_100000: {rate} is negative.");
            }

            rows.Add(new ReferenceRate(sex, Num("age_from"), Num("age_to"), Int("year_from"), Int("year_to"), rate / 1e5));
        }

        try
        {
            return FromRows(rows);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Builds a table from rows.</summary>
    /// <param name="rows">The rows.</param>
    /// <returns>The validated table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rows"/> or a row is null.</exception>
    /// <exception cref="ArgumentException">No row; a bad row (index named); overlapping or missing cells (named).</exception>
    public static ReferenceRates FromRows(IEnumerable<ReferenceRate> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException("the rate table has no row.", nameof(rows));
        }

        for (int i = 0; i < list.Length; i++)
        {
            var r = list[i] ?? throw new ArgumentNullException(nameof(rows), $"rows[{i}] is null.");
            if (!Enum.IsDefined(r.Sex) || !(r.AgeFrom >= 0 && r.AgeTo > r.AgeFrom && double.IsFinite(r.AgeTo)) || r.YearTo < r.YearFrom
                || !(r.RatePerPersonYear >= 0 && double.IsFinite(r.RatePerPersonYear)) || r.YearFrom < 1 || r.YearTo > 9999)
            {
                throw new ArgumentException($"rows[{i}] ({Describe(r)}) is not a valid cell: sex defined, 0 <= age_from < age_to, year_from <= year_to, rate finite and >= 0.", nameof(rows));
            }
        }

        var bounds = list.SelectMany(r => new[] { r.AgeFrom, r.AgeTo }).Distinct().Order().ToArray();
        int first = list.Min(r => r.YearFrom), last = list.Max(r => r.YearTo), years = last - first + 1, bands = bounds.Length - 1;
        if ((long)years * bands * 2 > 50_000_000)
        {
            throw new ArgumentException($"the rate table spans {years} years x {bands} age bands; at most 50 million cells.", nameof(rows));
        }

        var sexes = new bool[2];
        foreach (var r in list)
        {
            sexes[(int)r.Sex] = true;
        }

        var rates = new double[2 * years * bands];
        var owner = new int[rates.Length];
        Array.Fill(owner, -1);
        var problems = new List<string>();
        // every cell is written once unless rows overlap, and each overlap is a problem: stopping at the 20th bounds
        // the work by the number of cells plus 20 (a table of overlapping rows no longer costs rows x cells)
        for (int i = 0; i < list.Length && problems.Count < 20; i++)
        {
            var r = list[i];
            int b0 = Array.BinarySearch(bounds, r.AgeFrom), b1 = Array.BinarySearch(bounds, r.AgeTo);
            for (int y = r.YearFrom; y <= r.YearTo && problems.Count < 20; y++)
            {
                for (int b = b0; b < b1; b++)
                {
                    int cell = ((((int)r.Sex * years) + (y - first)) * bands) + b;
                    if (owner[cell] >= 0)
                    {
                        problems.Add($"rows[{owner[cell]}] and rows[{i}] overlap at {r.Sex.ToString().ToLowerInvariant()}, age {Band(bounds, b)}, year {y}");
                        if (problems.Count >= 20)
                        {
                            break;
                        }
                    }

                    owner[cell] = i;
                    rates[cell] = r.RatePerPersonYear;
                }
            }
        }

        for (int s = 0; s < 2 && problems.Count < 20; s++)
        {
            if (!sexes[s])
            {
                continue;
            }

            for (int y = 0; y < years && problems.Count < 20; y++)
            {
                for (int b = 0; b < bands && problems.Count < 20; b++)
                {
                    if (owner[((s * years) + y) * bands + b] < 0)
                    {
                        problems.Add($"no rate for {((Sex)s).ToString().ToLowerInvariant()}, age {Band(bounds, b)}, year {first + y}");
                    }
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("the rate table is not a complete grid: " + string.Join("; ", problems) + (problems.Count == 20 ? "; ..." : "") + ".", nameof(rows));
        }

        return new ReferenceRates(list, bounds, first, last, sexes, rates);
    }

    internal static string Band(IReadOnlyList<double> bounds, int b) =>
        string.Create(CultureInfo.InvariantCulture, $"{bounds[b]:0.##}-{bounds[b + 1]:0.##}");

    private static string Describe(ReferenceRate r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Sex}, age {r.AgeFrom}-{r.AgeTo}, years {r.YearFrom}-{r.YearTo}, rate {r.RatePerPersonYear}");
}
