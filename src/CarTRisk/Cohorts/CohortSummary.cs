using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>One row of an aggregated cohort: how many patients of a product ended follow-up after
/// <paramref name="Days"/> days with <paramref name="Cause"/>, by the transgene result of their malignancy. This is
/// what a warehouse's GROUP BY returns (docs/scale.md; the SQL ships with CarTRisk.DuckDb).</summary>
/// <param name="Product">The product ("(missing)" for patients without one).</param>
/// <param name="Days">Days from infusion to the end of follow-up (≥ 0).</param>
/// <param name="Cause">0 = censored, 1 = secondary malignancy, 2 = death without malignancy.</param>
/// <param name="Transgene">The transgene result (only malignancies can have one other than NotTested).</param>
/// <param name="Count">The number of patients (≥ 0).</param>
public readonly record struct CohortCount(string Product, int Days, int Cause, TransgeneStatus Transgene, long Count);

/// <summary>The sufficient statistics of a cohort for the safety report: patient counts by (product, days, cause,
/// transgene). Built from a <see cref="Cohort"/>, streamed from a CSV file by <see cref="CohortCsv.Summarize(string)"/>
/// without keeping a record per patient, or from a warehouse's GROUP BY (<see cref="FromCounts"/>);
/// <see cref="SafetySummary.Compute(CohortSummary, double, double)"/> gives the same report from any of them.</summary>
public sealed class CohortSummary
{
    private CohortSummary(ImmutableArray<CohortCount> counts, IReadOnlyList<string> ignoredColumns, IReadOnlyList<CohortAdjustment> adjustments,
        bool missingClash)
    {
        Counts = counts;
        IgnoredColumns = ignoredColumns;
        Adjustments = adjustments;
        MissingClash = missingClash;
        long patients = 0, cases = 0;
        double personDays = 0;
        foreach (var c in counts)
        {
            patients += c.Count;
            personDays += (double)c.Days * c.Count;
            cases += c.Cause == 1 ? c.Count : 0;
        }

        Patients = patients;
        PersonDays = personDays;
        Cases = cases;
        Products = [.. counts.Select(c => c.Product).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>The rows, sorted by product (ordinal), days, cause and transgene; no two share a key; counts &gt; 0.</summary>
    public ImmutableArray<CohortCount> Counts { get; }

    /// <summary>The number of patients.</summary>
    public long Patients { get; }

    /// <summary>Total follow-up in days.</summary>
    public double PersonDays { get; }

    /// <summary>Total follow-up in years of 365.25 days.</summary>
    public double PersonYears => PersonDays / Cohort.DaysPerYear;

    /// <summary>Patients with a secondary malignancy (cause 1).</summary>
    public long Cases { get; }

    /// <summary>The products, ordinal order ("(missing)" for patients without one).</summary>
    public ImmutableArray<string> Products { get; }

    /// <summary>Columns the reader ignored (as <see cref="Cohort.IgnoredColumns"/>).</summary>
    public IReadOnlyList<string> IgnoredColumns { get; }

    /// <summary>Adjustments the reader made on request (as <see cref="Cohort.Adjustments"/>; at most
    /// <see cref="CohortCsv.MaxErrorsKept"/> are kept when streaming, the rest counted in <see cref="AdjustmentCount"/>).</summary>
    public IReadOnlyList<CohortAdjustment> Adjustments { get; }

    /// <summary>The number of adjustments made (may exceed the number kept).</summary>
    public long AdjustmentCount { get; init; }

    /// <summary>The earliest infusion date among the patients; null for a summary built from aggregated counts
    /// (<see cref="FromCounts"/>, a warehouse's GROUP BY), which hold no dates.</summary>
    public DateOnly? FirstInfusion { get; init; }

    /// <summary>The latest date in the data (last follow-up, malignancy or death): the effective data cut-off; null for
    /// a summary built from aggregated counts.</summary>
    public DateOnly? LatestDate { get; init; }

    /// <summary>Both a product literally named "(missing)" and patients without a product: the by-product split refuses
    /// to merge them (as <see cref="Cohort.GroupBy"/>).</summary>
    internal bool MissingClash { get; }

    /// <summary>The summary of a cohort already in memory.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cohort"/> is null.</exception>
    public static CohortSummary From(Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var builder = new Builder();
        foreach (var r in cohort.Records)
        {
            builder.Add(r);
        }

        return builder.Build(cohort.IgnoredColumns, cohort.Adjustments, cohort.Adjustments.Count);
    }

    /// <summary>The summary from aggregated rows (a warehouse's GROUP BY, merged shards): rows with the same key are
    /// added.</summary>
    /// <param name="rows">The rows.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rows"/> is null.</exception>
    /// <exception cref="ArgumentException">No patient at all.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A row with a null product, negative days or count, a cause other
    /// than 0, 1, 2, an undefined transgene value, or a transgene result on a row that is not a malignancy (row index
    /// named).</exception>
    public static CohortSummary FromCounts(IEnumerable<CohortCount> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var builder = new Builder();
        int i = 0;
        foreach (var r in rows)
        {
            string at = $"rows[{i}]";
            if (r.Product is null)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"{at} has a null product; use \"{Cohort.Missing}\" for patients without one.");
            }

            if (r.Days < 0 || r.Count < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"{at} has days {r.Days} and count {r.Count}; both must be >= 0.");
            }

            if (r.Cause is < 0 or > 2)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"{at} has cause {r.Cause}; causes are 0 (censored), 1 (malignancy), 2 (death).");
            }

            if (!Enum.IsDefined(r.Transgene) || (r.Cause != 1 && r.Transgene != TransgeneStatus.NotTested))
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"{at} has transgene {r.Transgene} with cause {r.Cause}; only a malignancy (cause 1) can have a transgene result.");
            }

            builder.Add(r.Product, r.Days, r.Cause, r.Transgene, r.Count);
            i++;
        }

        var summary = builder.Build([], [], 0);
        if (summary.Patients == 0)
        {
            throw new ArgumentException("rows hold no patient.", nameof(rows));
        }

        return summary;
    }

    /// <summary>The patients of one product (its summary lists no ignored columns or adjustments: those belong to the
    /// file).</summary>
    /// <param name="product">The product (as in <see cref="Products"/>).</param>
    /// <returns>The product's summary.</returns>
    /// <exception cref="ArgumentException">No such product.</exception>
    public CohortSummary Product(string product)
    {
        ArgumentNullException.ThrowIfNull(product);
        var rows = Counts.Where(c => c.Product == product).ToImmutableArray();
        if (rows.IsEmpty)
        {
            throw new ArgumentException($"product '{product}' is not in the summary (products: {string.Join(", ", Products)}).", nameof(product));
        }

        return new CohortSummary(rows, [], [], false);
    }

    /// <summary>The event table (days, cause 0/1/2, count) for <see cref="CumulativeIncidence.Estimate(EventTable, int, CumulativeIncidenceOptions?)"/>
    /// and <see cref="KaplanMeier.Estimate(EventTable, KaplanMeierOptions?)"/>; identical to the row-level table.</summary>
    /// <param name="minimumDays">Keep only patients followed at least this long (a landmark), default 0.</param>
    /// <param name="deathAsCensoring">Code deaths as censored (the naive Kaplan-Meier of malignancy).</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">Nobody is followed that long.</exception>
    public EventTable ToEventTable(double minimumDays = 0, bool deathAsCensoring = false)
    {
        var byKey = new SortedDictionary<(int Days, int Cause), double>();
        foreach (var c in Counts)
        {
            if (c.Days >= minimumDays)
            {
                var key = (c.Days, deathAsCensoring && c.Cause == 2 ? 0 : c.Cause);
                byKey[key] = byKey.GetValueOrDefault(key) + c.Count;
            }
        }

        if (byKey.Count == 0)
        {
            throw new ArgumentException($"nobody is still under observation at {minimumDays.ToString("R", CultureInfo.InvariantCulture)} days.", nameof(minimumDays));
        }

        return EventTable.FromCounts(byKey.Keys.Select(k => (double)k.Days).ToArray(), byKey.Keys.Select(k => k.Cause).ToArray(), byKey.Values.ToArray());
    }

    /// <summary>Deaths without a prior malignancy (cause 2: the competing event).</summary>
    public long Deaths => Counts.Where(c => c.Cause == 2).Sum(c => c.Count);

    /// <summary>The follow-up table for the reverse Kaplan-Meier (Schemper and Smith 1996): the end of follow-up alive and
    /// free of malignancy is the "event", a malignancy or a death censors follow-up.</summary>
    /// <returns>The table.</returns>
    public EventTable ToFollowUpTable()
    {
        var byKey = new SortedDictionary<(int Days, int Status), double>();
        foreach (var c in Counts)
        {
            var key = (c.Days, c.Cause == 0 ? 1 : 0);
            byKey[key] = byKey.GetValueOrDefault(key) + c.Count;
        }

        return EventTable.FromCounts(byKey.Keys.Select(k => (double)k.Days).ToArray(), byKey.Keys.Select(k => k.Status).ToArray(), byKey.Values.ToArray());
    }

    /// <summary>The onset days of the malignancies, ascending (one entry per case).</summary>
    /// <returns>The days.</returns>
    public double[] OnsetDays()
    {
        var days = new List<double>();
        foreach (var c in Counts.Where(c => c.Cause == 1).OrderBy(c => c.Days))
        {
            for (long k = 0; k < c.Count; k++)
            {
                days.Add(c.Days);
            }
        }

        return [.. days];
    }

    /// <summary>Patients followed at least <paramref name="days"/> days.</summary>
    /// <param name="days">The time.</param>
    /// <returns>The count.</returns>
    public long FollowedAtLeast(double days) => Counts.Where(c => c.Days >= days).Sum(c => c.Count);

    /// <summary>Malignancies with a transgene result of <paramref name="status"/>.</summary>
    /// <param name="status">The result.</param>
    /// <returns>The count.</returns>
    public long Transgene(TransgeneStatus status) => Counts.Where(c => c.Cause == 1 && c.Transgene == status).Sum(c => c.Count);

    /// <summary>Accumulates rows; memory grows with the distinct keys, not the patients.</summary>
    internal sealed class Builder
    {
        // keyed by the product's index (names hashed once per distinct product, not once per row)
        private readonly Dictionary<(int Product, int Days, int Cause, TransgeneStatus Transgene), long> counts = [];
        private readonly Dictionary<string, int> productIndex = new(StringComparer.Ordinal);
        private readonly List<string> productNames = [];
        private string? lastProduct;
        private int lastIndex = -1;
        private bool sawNull, sawLiteralMissing;
        private DateOnly? firstInfusion, latestDate;

        public void Add(CohortRecord r) => Add(r.Product, r.InfusionDate, r.LastFollowUpDate, r.MalignancyDate, r.DeathDate, r.Transgene);

        /// <summary>One patient from the fields the summary keeps (= <see cref="Add(CohortRecord)"/> of the record they make;
        /// the streaming reader's fast path for plain rows calls this without building the record).</summary>
        public void Add(string? product, DateOnly infusion, DateOnly lastFollowUp, DateOnly? malignancy, DateOnly? death, TransgeneStatus transgene)
        {
            var latest = lastFollowUp;
            if (malignancy is { } md && md > latest)
            {
                latest = md;
            }

            if (death is { } dd && dd > latest)
            {
                latest = dd;
            }

            firstInfusion = firstInfusion is { } f && f <= infusion ? f : infusion;
            latestDate = latestDate is { } l && l >= latest ? l : latest;
            sawNull |= product is null;
            sawLiteralMissing |= product == Cohort.Missing;

            // the outcome and end date as CohortRecord defines them: malignancy, else death, else censored
            var outcome = malignancy is not null ? FollowUpOutcome.Malignancy : death is not null ? FollowUpOutcome.Death : FollowUpOutcome.Censored;
            int days = (malignancy ?? death ?? lastFollowUp).DayNumber - infusion.DayNumber;
            Add(product ?? Cohort.Missing, days, (int)outcome, outcome == FollowUpOutcome.Malignancy ? transgene : TransgeneStatus.NotTested, 1);
        }

        public void Add(string product, int days, int cause, TransgeneStatus transgene, long count)
        {
            if (count == 0)
            {
                return;
            }

            ref long slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, (Index(product), days, cause, transgene), out _);
            slot = checked(slot + count);
        }

        /// <summary>The product's index (the same instance as the previous row's skips the lookup).</summary>
        private int Index(string product)
        {
            if (ReferenceEquals(product, lastProduct))
            {
                return lastIndex;
            }

            ref int slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(productIndex, product, out bool exists);
            if (!exists)
            {
                slot = productNames.Count;
                productNames.Add(product);
            }

            (lastProduct, lastIndex) = (product, slot);
            return slot;
        }

        public void Absorb(Builder other)
        {
            foreach (var (key, value) in other.counts)
            {
                var mine = (Index(other.productNames[key.Product]), key.Days, key.Cause, key.Transgene);
                counts[mine] = checked(counts.GetValueOrDefault(mine) + value);
            }

            sawNull |= other.sawNull;
            sawLiteralMissing |= other.sawLiteralMissing;
            if (other.firstInfusion is { } f && !(firstInfusion <= f))
            {
                firstInfusion = f;
            }

            if (other.latestDate is { } l && !(latestDate >= l))
            {
                latestDate = l;
            }
        }

        public CohortSummary Build(IReadOnlyList<string> ignored, IReadOnlyList<CohortAdjustment> adjustments, long adjustmentCount)
        {
            var rows = counts.Select(kv => new CohortCount(productNames[kv.Key.Product], kv.Key.Days, kv.Key.Cause, kv.Key.Transgene, kv.Value))
                .OrderBy(c => c.Product, StringComparer.Ordinal).ThenBy(c => c.Days).ThenBy(c => c.Cause).ThenBy(c => c.Transgene)
                .ToImmutableArray();
            return new CohortSummary(rows, ignored, adjustments, sawNull && sawLiteralMissing)
            {
                AdjustmentCount = adjustmentCount,
                FirstInfusion = firstInfusion,
                LatestDate = latestDate,
            };
        }
    }
}
