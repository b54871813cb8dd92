using System.Collections.Immutable;
using System.Globalization;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>The interval of a standardized incidence ratio.</summary>
public enum SirInterval
{
    /// <summary>Exact Poisson (Garwood), = <c>poisson.test(O, E)$conf.int</c>.</summary>
    Exact,

    /// <summary>Byar's approximation, = <c>epiR::epi.smr(O, E, method = "byar")</c> (lower limit 0 at O = 0).</summary>
    Byar,

    /// <summary>The mid-p exact interval.</summary>
    MidP,
}

/// <summary>Options of <see cref="StandardizedIncidence.Compute"/>.</summary>
public sealed record SirOptions
{
    /// <summary>Level 0.95, exact interval, no latency, every malignancy counted.</summary>
    public static SirOptions Default { get; } = new();

    /// <summary>The confidence level, in (0, 1).</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>The interval.</summary>
    public SirInterval Interval { get; init; } = SirInterval.Exact;

    /// <summary>Days after infusion excluded from person-time and cases (SEER's MP-SIR default is 2 months); a case on
    /// day LatencyDays itself is excluded.</summary>
    public double LatencyDays { get; init; }

    /// <summary>Which malignancies count as observed (e.g. hematologic only); null = all. Follow-up still ends at the
    /// first malignancy of any type.</summary>
    public Func<CohortRecord, bool>? CaseFilter { get; init; }
}

/// <summary>One stratum of a SIR table.</summary>
/// <param name="Stratum">"female", "60-65", "2021".</param>
/// <param name="Observed">Observed cases.</param>
/// <param name="Expected">Expected cases.</param>
/// <param name="PersonYears">Person-years.</param>
/// <param name="Ratio">Observed / expected.</param>
/// <param name="Interval">The interval of the ratio.</param>
public sealed record SirRow(string Stratum, int Observed, double Expected, double PersonYears, double Ratio, ConfidenceInterval Interval);

/// <summary>A standardized incidence ratio with its strata.</summary>
public sealed record SirResult
{
    /// <summary>Observed cases.</summary>
    public int Observed { get; init; }

    /// <summary>Expected cases: Σ over Lexis cells of person-years × the reference rate.</summary>
    public double Expected { get; init; }

    /// <summary>Person-years (days / 365.25).</summary>
    public double PersonYears { get; init; }

    /// <summary>O / E.</summary>
    public double Ratio { get; init; }

    /// <summary>The interval of O / E (the options' method and level).</summary>
    public ConfidenceInterval Interval { get; init; }

    /// <summary>The two-sided exact p-value of O against Poisson(E), = <c>poisson.test(O, E)$p.value</c>.</summary>
    public double PValue { get; init; }

    /// <summary>(O − E) / PY × 10,000.</summary>
    public double ExcessAbsoluteRiskPer10000 { get; init; }

    /// <summary>By sex (strata with person-time).</summary>
    public ImmutableArray<SirRow> BySex { get; init; } = [];

    /// <summary>By the rate table's age bands, ascending (strata with person-time).</summary>
    public ImmutableArray<SirRow> ByAgeBand { get; init; } = [];

    /// <summary>By calendar year, ascending (strata with person-time).</summary>
    public ImmutableArray<SirRow> ByCalendarYear { get; init; } = [];

    /// <summary>The options used.</summary>
    public SirOptions Options { get; init; } = SirOptions.Default;

    /// <summary>The SIR table (total and strata) through the disclosure policy: ratios, intervals and the excess risk
    /// rest on the observed count of their row.</summary>
    /// <returns>The table.</returns>
    public ResultTable ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        string level = (Options.Level * 100).ToString("0.####", c) + "% CI";
        var table = new ResultTable("Standardized incidence ratio", "Stratum", "Observed", "Expected", "Person-years", "SIR", level,
            "Excess per 10,000 person-years", "p (two-sided, exact)")
        {
            Note = $"{Options.Interval} interval (= poisson.test for Exact); p = poisson.test(O, T = E)$p.value; excess = (O - E) / person-years x 10,000; latency {Options.LatencyDays.ToString("0.##", c)} days; NA where no case is expected.",
        };
        var total = new CountCell(Observed);
        string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, c) : "NA";
        void Add(string label, int o, double e, double py, double ratio, ConfidenceInterval ci, CountCell? cell = null)
        {
            var oc = cell ?? new CountCell(o);
            string interval = double.IsFinite(ci.Lower) && double.IsFinite(ci.Upper) ? $"{F(ci.Lower, "0.00")} to {F(ci.Upper, "0.00")}" : "NA";
            table.AddRow(new TextCell(label), oc, new TextCell(e.ToString("0.00", c)), new TextCell(py.ToString("0.0", c)),
                new DerivedCell(F(ratio, "0.00"), oc), new DerivedCell(interval, oc),
                new DerivedCell(F((o - e) / py * 10_000, "0.00"), oc), new DerivedCell(e > 0 ? F(StandardizedIncidence.PoissonTestPValue(o, e), "G3") : "NA", oc));
        }

        Add("All", Observed, Expected, PersonYears, Ratio, Interval, total);
        foreach (var (name, rows) in new[] { ("sex", BySex), ("age", ByAgeBand), ("year", ByCalendarYear) })
        {
            var parts = new List<CountCell>();
            foreach (var r in rows)
            {
                var oc = new CountCell(r.Observed);
                parts.Add(oc);
                Add($"{name} {r.Stratum}", r.Observed, r.Expected, r.PersonYears, r.Ratio, r.Interval, oc);
            }

            table.AddMargin(total, [.. parts]);
        }

        return table;
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable().ToText();
}

/// <summary>
/// Comparison with the general population: the Lexis split of each patient's follow-up at age-band boundaries
/// (birth + a·365.25 days) and 1 January of each year, expected counts from reference rates, the SIR with exact, Byar
/// or mid-p intervals, the exact p-value and the excess absolute risk.
/// </summary>
public static class StandardizedIncidence
{
    /// <summary>Computes the SIR. Follow-up runs over (infusion + LatencyDays, end], end the analysis end date (the
    /// malignancy, else the death, else the last follow-up); person-years = days / 365.25. A counted case falls in the
    /// piece of person-time that ends at its date (a case on a band boundary or on 1 January belongs to the band or
    /// year that ends there; a case on the latency day is excluded). Expected = Σ cells PY × rate.</summary>
    /// <param name="cohort">The cohort; every patient needs a birth date and a sex.</param>
    /// <param name="rates">The reference rates.</param>
    /// <param name="options">Level, interval, latency, case filter; null for the defaults.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">A patient without sex or birth date, or person-time outside every rate cell
    /// (the patient, sex, age and year are named): never a silent zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad level, latency or interval.</exception>
    public static SirResult Compute(Cohort cohort, ReferenceRates rates, SirOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(rates);
        options ??= SirOptions.Default;
        Guard.Level(options.Level, "options.Level");
        if (!(options.LatencyDays >= 0 && double.IsFinite(options.LatencyDays)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LatencyDays, "options.LatencyDays must be finite and >= 0.");
        }

        if (!Enum.IsDefined(options.Interval))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Interval, "options.Interval is not a defined SirInterval.");
        }

        int bands = rates.Bands, years = rates.LastYear - rates.FirstYear + 1;
        var bounds = rates.AgeBounds.ToArray();
        var days = new double[2 * bands * years];
        var expected = new double[days.Length];
        var observed = new int[days.Length];
        foreach (var r in cohort.Records)
        {
            if (r.Sex is not { } sex || r.BirthDate is not { } birthDate)
            {
                throw new ArgumentException($"patient '{r.PatientId}' has no {(r.Sex is null ? "sex" : "birth date")}; a SIR needs both for every patient.", nameof(cohort));
            }

            double start = r.InfusionDate.DayNumber + options.LatencyDays, end = r.EndDate.DayNumber;
            if (end <= start)
            {
                continue;   // no person-time after the latency: no case either
            }

            bool counted = r.Outcome == FollowUpOutcome.Malignancy && (options.CaseFilter?.Invoke(r) ?? true);
            double birth = birthDate.DayNumber;
            double cur = start;
            int band = BandAt(bounds, birth, cur);
            int year = DateOnly.FromDayNumber((int)Math.Floor(cur)).Year;
            while (true)
            {
                if (band < 0 || band >= bands || year < rates.FirstYear || year > rates.LastYear || !rates.Covers(sex))
                {
                    double age = (cur - birth) / Cohort.DaysPerYear;
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"patient '{r.PatientId}' has person-time outside every rate cell: {sex.ToString().ToLowerInvariant()}, age {age:0.##}, year {year} (the table covers ages {bounds[0]:0.##}-{bounds[^1]:0.##}, years {rates.FirstYear}-{rates.LastYear})."), nameof(rates));
                }

                double nextAge = birth + (bounds[band + 1] * Cohort.DaysPerYear);
                double nextYear = new DateOnly(year + 1, 1, 1).DayNumber;
                double next = Math.Min(end, Math.Min(nextAge, nextYear));
                int cell = ((((int)sex * years) + (year - rates.FirstYear)) * bands) + band;
                double piece = next - cur;
                days[cell] += piece;
                expected[cell] += piece / Cohort.DaysPerYear * rates.Rate(sex, band, year);
                if (next >= end)
                {
                    if (counted)
                    {
                        observed[cell]++;
                    }

                    break;
                }

                if (next == nextAge)
                {
                    band++;
                }

                if (next == nextYear)
                {
                    year++;
                }

                cur = next;
            }
        }

        int o = observed.Sum();
        double e = expected.Sum(), py = days.Sum() / Cohort.DaysPerYear;
        SirRow Row(string label, IEnumerable<int> cells)
        {
            var list = cells.ToList();
            int ro = list.Sum(c => observed[c]);
            double re = list.Sum(c => expected[c]), rpy = list.Sum(c => days[c]) / Cohort.DaysPerYear;
            return new SirRow(label, ro, re, rpy, ro / re, Ci(ro, re, options));
        }

        IEnumerable<int> Cells(int? s, int? b, int? y) =>
            from ss in Enumerable.Range(0, 2)
            from yy in Enumerable.Range(0, years)
            from bb in Enumerable.Range(0, bands)
            where (s is null || s == ss) && (b is null || b == bb) && (y is null || y == yy)
            select (((ss * years) + yy) * bands) + bb;

        bool HasTime(IEnumerable<int> cells) => cells.Any(c => days[c] > 0);
        var bySex = Enumerable.Range(0, 2).Where(s => HasTime(Cells(s, null, null)))
            .Select(s => Row(((Sex)s).ToString().ToLowerInvariant(), Cells(s, null, null))).ToImmutableArray();
        var byBand = Enumerable.Range(0, bands).Where(b => HasTime(Cells(null, b, null)))
            .Select(b => Row(ReferenceRates.Band(bounds, b), Cells(null, b, null))).ToImmutableArray();
        var byYear = Enumerable.Range(0, years).Where(y => HasTime(Cells(null, null, y)))
            .Select(y => Row((rates.FirstYear + y).ToString(CultureInfo.InvariantCulture), Cells(null, null, y))).ToImmutableArray();
        return new SirResult
        {
            Observed = o, Expected = e, PersonYears = py, Ratio = o / e, Interval = Ci(o, e, options),
            PValue = PoissonTestPValue(o, e), ExcessAbsoluteRiskPer10000 = (o - e) / py * 10_000,
            BySex = bySex, ByAgeBand = byBand, ByCalendarYear = byYear, Options = options,
        };
    }

    /// <summary>The band whose [lower, upper) holds the day <paramref name="day"/>, comparing on the day scale
    /// (birth + bound·365.25) exactly as the boundaries are placed; −1 below the first bound.</summary>
    private static int BandAt(double[] bounds, double birth, double day)
    {
        int b = -1;
        for (int i = 0; i < bounds.Length; i++)
        {
            if (birth + (bounds[i] * Cohort.DaysPerYear) <= day)
            {
                b = i;
            }
        }

        return b >= bounds.Length - 1 ? bounds.Length - 1 : b;
    }

    /// <summary>The interval of O/E by the chosen method.</summary>
    internal static ConfidenceInterval Ci(int o, double e, SirOptions options)
    {
        double alpha = 1 - options.Level;
        double z = Distributions.NormalQuantile(1 - (alpha / 2));
        switch (options.Interval)
        {
            case SirInterval.Byar:
                {
                    double lower = o == 0 ? 0 : o * Math.Pow(1 - (1.0 / (9 * o)) - (z / (3 * Math.Sqrt(o))), 3) / e;
                    double o1 = o + 1;
                    double upper = o1 * Math.Pow(1 - (1 / (9 * o1)) + (z / (3 * Math.Sqrt(o1))), 3) / e;
                    return new ConfidenceInterval(lower, upper);
                }

            case SirInterval.MidP:
                {
                    double lower = o == 0 ? 0 : MidP(o, 1 - (alpha / 2)) / e;
                    double upper = o == 0 ? -Math.Log(alpha) / e : MidP(o, alpha / 2) / e;
                    return new ConfidenceInterval(lower, upper);
                }

            default:
                {
                    var ci = PoissonInterval.Exact(o, options.Level);
                    return new ConfidenceInterval(ci.Lower / e, ci.Upper / e);
                }
        }
    }

    /// <summary>μ with P(X &lt; O) + P(X = O)/2 = target for X ~ Poisson(μ) (decreasing in μ), by bisection to the last bit.</summary>
    private static double MidP(int o, double target)
    {
        double F(double mu) => Distributions.GammaTail(o, mu, upper: true) + (0.5 * Distributions.PoissonProbability(o, mu));
        double lo = 0, hi = Math.Max(10, 2 * o + 50);
        while (F(hi) > target)
        {
            hi *= 2;
        }

        for (int i = 0; i < 2000 && hi - lo > 0; i++)
        {
            double mid = lo + ((hi - lo) / 2);
            if (mid <= lo || mid >= hi)
            {
                break;
            }

            if (F(mid) > target)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return Math.Abs(F(lo) - target) <= Math.Abs(F(hi) - target) ? lo : hi;
    }

    /// <summary>R's <c>poisson.test(x, T = E)$p.value</c>: the sum of P(Y = y) over y with P(Y = y) ≤ P(Y = x)·(1 + 1e-7),
    /// the far side found by bisection (the pmf is unimodal).</summary>
    internal static double PoissonTestPValue(int x, double m)
    {
        if (m == 0)
        {
            return x == 0 ? 1 : 0;
        }

        if (x == m)
        {
            return 1;
        }

        double d = Distributions.PoissonProbability(x, m) * (1 + 1e-7);
        double value;
        if (x < m)
        {
            // first y >= ceil(m) with P(y) <= d; count of such y up to infinity is a tail
            long lo = (long)Math.Ceiling(m), hi = lo;
            while (Distributions.PoissonProbability(hi, m) > d)
            {
                hi = (hi * 2) + 1;
            }

            while (lo < hi)
            {
                long mid = lo + ((hi - lo) / 2);
                if (Distributions.PoissonProbability(mid, m) <= d)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            value = Distributions.GammaTail(x + 1, m, upper: true) + Distributions.GammaTail(lo, m, upper: false);
        }
        else
        {
            long lo = 0, hi = (long)Math.Floor(m) + 1;
            while (lo < hi)
            {
                long mid = lo + ((hi - lo) / 2);
                if (Distributions.PoissonProbability(mid, m) > d)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            long y = lo;   // number of i in [0, floor(m)] with P(i) <= d
            value = (y > 0 ? Distributions.GammaTail(y, m, upper: true) : 0) + Distributions.GammaTail(x, m, upper: false);
        }

        return Math.Min(1, value);
    }
}
