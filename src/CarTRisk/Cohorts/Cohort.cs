using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace CarTRisk;

/// <summary>
/// A cohort of CAR T recipients with the analysis data derived from it: durations in days from infusion to the
/// end of follow-up, causes (0 censored, 1 malignancy, 2 death without malignancy), and person-time.
/// </summary>
public sealed class Cohort
{
    /// <summary>Days per year used for person-years (Julian year), as the safety report defines.</summary>
    public const double DaysPerYear = 365.25;

    /// <summary>Creates a cohort from records, checking the cohort rules that do not depend on the CSV form.</summary>
    /// <param name="records">The patients; copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="records"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">An id is empty or repeated, a date is before infusion, or a malignancy
    /// is after death; the message names the index and the patient.</exception>
    public Cohort(IEnumerable<CohortRecord> records)
        : this(records, [], [], null)
    {
    }

    internal Cohort(IEnumerable<CohortRecord> records, IReadOnlyList<string> ignoredColumns,
        IReadOnlyList<CohortAdjustment> adjustments, IReadOnlyList<CohortRecord>? root)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToArray();
        IgnoredColumns = ignoredColumns;
        Adjustments = adjustments;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var durations = new double[list.Length];
        var causes = new int[list.Length];
        double personDays = 0;
        for (int i = 0; i < list.Length; i++)
        {
            var r = list[i] ?? throw new ArgumentNullException(nameof(records), $"records[{i}] is null.");
            string? problem = Problems(r).Select(p => $"{p.Message} ({p.Column} = '{p.Value}')").FirstOrDefault();
            if (problem is null && !seen.TryAdd(r.PatientId, i))
            {
                problem = $"patient_id '{r.PatientId}' repeats records[{seen[r.PatientId]}]";
            }

            if (problem is not null)
            {
                throw new ArgumentException($"records[{i}] (patient '{r.PatientId}'): {problem}.", nameof(records));
            }

            durations[i] = r.DurationDays;
            causes[i] = (int)r.Outcome;
            personDays += durations[i];
        }

        Records = Array.AsReadOnly(list);
        Root = root ?? Records;
        Durations = ImmutableCollectionsMarshal.AsImmutableArray(durations);
        Causes = ImmutableCollectionsMarshal.AsImmutableArray(causes);
        PersonDays = personDays;
    }

    /// <summary>The patients, in input order.</summary>
    public IReadOnlyList<CohortRecord> Records { get; }

    /// <summary>The records of the cohort this one was split from (itself when it was not), so codes derived from
    /// labels (<see cref="CausesByMalignancyClass"/>) are the same in every subset.</summary>
    internal IReadOnlyList<CohortRecord> Root { get; }

    /// <summary>Columns of the file that were ignored (<see cref="CohortCsvOptions.AllowUnknownColumns"/>), in file
    /// order; a misspelled column (<c>death_dt</c>) shows up here instead of vanishing.</summary>
    public IReadOnlyList<string> IgnoredColumns { get; }

    /// <summary>Every change made to a row because the caller opted into it
    /// (<see cref="CohortCsvOptions.ExtendFollowUpToEvents"/>); empty otherwise.</summary>
    public IReadOnlyList<CohortAdjustment> Adjustments { get; }

    /// <summary>Age at infusion in years, (infusion − birth) days / 365.25; NaN without a birth date.</summary>
    public ImmutableArray<double> AgeAtInfusion => Records
        .Select(r => r.BirthDate is { } b ? (r.InfusionDate.DayNumber - b.DayNumber) / DaysPerYear : double.NaN)
        .ToImmutableArray();

    /// <summary>A column as a covariate in record order: <c>age</c> (= <see cref="AgeAtInfusion"/>), <c>sex</c>,
    /// <c>product</c>, or a column declared in <see cref="CohortCsvOptions.Covariates"/>, numeric when every non-missing
    /// value parses as an invariant double, else categorical.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The covariate; missing values are NaN or null.</returns>
    /// <exception cref="ArgumentException">No record has the column and it is not one of the built-in ones.</exception>
    public Covariate Covariate(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        switch (name)
        {
            case "age":
                return CarTRisk.Covariate.Numeric(name, AgeAtInfusion.AsSpan());
            case "sex":
                return CarTRisk.Covariate.Categorical(name, Records.Select(r => r.Sex switch
                {
                    CarTRisk.Sex.Female => "female",
                    CarTRisk.Sex.Male => "male",
                    _ => null,
                }).ToArray());
            case "product":
                return CarTRisk.Covariate.Categorical(name, Records.Select(r => r.Product).ToArray());
        }

        if (!Records.Any(r => r.Covariates.ContainsKey(name)) && !declared.Contains(name))
        {
            throw new ArgumentException($"no covariate column '{name}' (declare it in CohortCsvOptions.Covariates; built-in: age, sex, product).", nameof(name));
        }

        var text = Records.Select(r => r.Covariates.TryGetValue(name, out var v) ? v : null).ToArray();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] is { } t && double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var nf) && !double.IsFinite(nf))
            {
                throw new ArgumentException($"covariate '{name}' of patient '{Records[i].PatientId}' (record {i}) is '{t}', not a finite number; leave it empty for a missing value.", nameof(name));
            }
        }

        var numbers = new double[text.Length];
        bool numeric = true;
        for (int i = 0; i < text.Length && numeric; i++)
        {
            numbers[i] = text[i] is null ? double.NaN
                : double.TryParse(text[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x
                : double.NaN;
            numeric = text[i] is null || !double.IsNaN(numbers[i]);
        }

        return numeric ? CarTRisk.Covariate.Numeric(name, numbers) : CarTRisk.Covariate.Categorical(name, text);
    }

    private HashSet<string> declared = new(StringComparer.Ordinal);

    internal Cohort WithDeclaredCovariates(IEnumerable<string> names)
    {
        declared = new HashSet<string>(names, StringComparer.Ordinal);
        return this;
    }

    /// <summary>The number of patients.</summary>
    public int Count => Records.Count;

    /// <summary>Days from infusion to the end of follow-up (<see cref="CohortRecord.DurationDays"/>), one per record.</summary>
    public ImmutableArray<double> Durations { get; }

    /// <summary>0 = censored, 1 = secondary malignancy, 2 = death without malignancy; one per record.</summary>
    public ImmutableArray<int> Causes { get; }

    /// <summary>The number of patients with a secondary malignancy (cause 1).</summary>
    public int Cases => Causes.Count(c => c == 1);

    /// <summary>Total follow-up in days (sum of <see cref="Durations"/>).</summary>
    public double PersonDays { get; }

    /// <summary>Total follow-up in years: <see cref="PersonDays"/> / 365.25.</summary>
    public double PersonYears => PersonDays / DaysPerYear;

    /// <summary>Splits the cohort by a key, such as the product or the target antigen.</summary>
    /// <param name="key">The group of a record; <see langword="null"/> becomes "(missing)".</param>
    /// <returns>The sub-cohorts, in ordinal order of their keys.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public IReadOnlyList<KeyValuePair<string, Cohort>> GroupBy(Func<CohortRecord, string?> key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var keys = Records.Select(r => (Record: r, Key: key(r))).ToArray();
        if (keys.Any(k => k.Key is null) && keys.FirstOrDefault(k => k.Key == Missing) is { Record: not null } clash)
        {
            throw new ArgumentException($"patient '{clash.Record.PatientId}' has the key '{Missing}', which is the label of records without a key; rename it so the two groups are not merged.", nameof(key));
        }

        return keys.GroupBy(k => k.Key ?? Missing, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new KeyValuePair<string, Cohort>(g.Key, Subset(g.Select(k => k.Record))))
            .ToArray();
    }

    /// <summary>The label of records whose key is null.</summary>
    public const string Missing = "(missing)";

    internal Cohort Subset(IEnumerable<CohortRecord> records)
    {
        var list = records.ToArray();
        var ids = new HashSet<string>(list.Select(r => r.PatientId), StringComparer.Ordinal);
        return new Cohort(list, IgnoredColumns, Adjustments.Where(a => ids.Contains(a.PatientId)).ToArray(), Root)
        {
            declared = declared,
        };
    }

    /// <summary>The cohort split by <see cref="CohortRecord.Product"/>.</summary>
    /// <returns>The sub-cohorts in ordinal order of product name; records without a product are "(missing)".</returns>
    public IReadOnlyList<KeyValuePair<string, Cohort>> ByProduct() => GroupBy(r => r.Product);

    /// <summary>
    /// Cause-specific codes for a split of malignancies by type (e.g. T-cell vs myeloid vs solid), for
    /// <c>CumulativeIncidence.Estimate</c>:
    /// malignancy class i (0-based, in ordinal order of <paramref name="classify"/>'s labels) becomes cause i + 1,
    /// death without malignancy becomes cause (number of classes + 1), censoring stays 0. The labels are those of the
    /// whole cohort this one was split from (<see cref="GroupBy"/>), so a code means the same in every subset.
    /// </summary>
    /// <param name="classify">Maps a malignancy type (possibly null) to its class label.</param>
    /// <returns>The causes, one per record, and the labels (cause i + 1 = Labels[i]).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="classify"/> is null.</exception>
    public (ImmutableArray<int> Causes, ImmutableArray<string> Labels) CausesByMalignancyClass(Func<string?, string> classify)
    {
        ArgumentNullException.ThrowIfNull(classify);
        var labels = Root.Where(r => r.Outcome == FollowUpOutcome.Malignancy)
            .Select(r => classify(r.MalignancyType)).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToImmutableArray();
        var causes = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            var r = Records[i];
            causes[i] = r.Outcome switch
            {
                FollowUpOutcome.Malignancy => labels.IndexOf(classify(r.MalignancyType), StringComparer.Ordinal) is int at and >= 0
                    ? at + 1
                    : throw new InvalidOperationException($"classify gave patient '{r.PatientId}' a label it did not give in the first pass; it must be a pure function."),
                FollowUpOutcome.Death => labels.Length + 1,
                _ => 0,
            };
        }

        return (ImmutableCollectionsMarshal.AsImmutableArray(causes), labels);
    }

    /// <summary>The cohort row rules that apply to a record whatever its source: every problem, with the CSV
    /// column it concerns, that column's value and the reason.</summary>
    internal static IEnumerable<(string Column, string Value, string Message)> Problems(CohortRecord r)
    {
        if (string.IsNullOrEmpty(r.PatientId))
        {
            yield return ("patient_id", "", "patient_id is empty");
        }

        if (r.Product == Missing)
        {
            yield return ("product", Missing, $"product '{Missing}' is the label of records without a product; leave the cell empty for a missing product, or rename it");
        }

        // the infusion date is formatted only for a message (this runs once per record of every file read)
        if (r.LastFollowUpDate < r.InfusionDate)
        {
            yield return ("last_followup_date", Iso(r.LastFollowUpDate), $"last_followup_date is before infusion_date {Iso(r.InfusionDate)}");
        }

        if (r.MalignancyDate is { } m && m < r.InfusionDate)
        {
            yield return ("malignancy_date", Iso(m), $"malignancy_date is before infusion_date {Iso(r.InfusionDate)}");
        }

        if (r.DeathDate is { } d && d < r.InfusionDate)
        {
            yield return ("death_date", Iso(d), $"death_date is before infusion_date {Iso(r.InfusionDate)}");
        }

        if (r.MalignancyDate is { } m2 && r.DeathDate is { } d2 && m2 > d2)
        {
            yield return ("malignancy_date", Iso(m2), $"malignancy_date is after death_date {Iso(d2)}");
        }

        if (r.MalignancyDate is { } m3 && m3 > r.LastFollowUpDate)
        {
            yield return ("malignancy_date", Iso(m3), $"malignancy_date is after last_followup_date {Iso(r.LastFollowUpDate)}, the last day the patient was known alive and observed (CohortCsvOptions.ExtendFollowUpToEvents accepts it and lists the change)");
        }

        if (!Enum.IsDefined(r.Transgene))
        {
            yield return ("transgene", ((int)r.Transgene).ToString(System.Globalization.CultureInfo.InvariantCulture), "transgene is not a defined TransgeneStatus");
        }
        else if (r.Transgene != TransgeneStatus.NotTested && r.MalignancyDate is null)
        {
            yield return ("transgene", r.Transgene == TransgeneStatus.Positive ? "positive" : "negative", "transgene is a test of the malignancy, but the row has no malignancy_date");
        }

        if (r.MalignancyType is not null && r.MalignancyDate is null)
        {
            yield return ("malignancy_type", r.MalignancyType, "malignancy_type is given but the row has no malignancy_date");
        }

        if (r.Sex is { } sex && !Enum.IsDefined(sex))
        {
            yield return ("sex", ((int)sex).ToString(System.Globalization.CultureInfo.InvariantCulture), "sex is not a defined Sex");
        }

        if (r.BirthDate is { } birth && birth > r.InfusionDate)
        {
            yield return ("birth_date", Iso(birth), $"birth_date is after infusion_date {Iso(r.InfusionDate)}");
        }

        int limit = r.InfusionDate.DayNumber + MaxFollowUpDays;
        if (r.LastFollowUpDate.DayNumber > limit || r.MalignancyDate?.DayNumber > limit || r.DeathDate?.DayNumber > limit)
        {
            foreach (var (column, date) in new[] { ("last_followup_date", (DateOnly?)r.LastFollowUpDate), ("malignancy_date", r.MalignancyDate), ("death_date", r.DeathDate) })
            {
                if (date is { } dd && dd.DayNumber - r.InfusionDate.DayNumber > MaxFollowUpDays)
                {
                    yield return (column, Iso(dd), $"{column} is more than 120 years after infusion_date {Iso(r.InfusionDate)}: implausible follow-up");
                }
            }
        }

        if (r.PatientId is not null && TextProblem(r.PatientId) is { } idProblem)
        {
            yield return ("patient_id", r.PatientId, $"patient_id {idProblem}");
        }

        if (r.Product is not null && TextProblem(r.Product) is { } productProblem)
        {
            yield return ("product", r.Product, $"product {productProblem}");
        }

        if (r.MalignancyType is not null && TextProblem(r.MalignancyType) is { } typeProblem)
        {
            yield return ("malignancy_type", r.MalignancyType, $"malignancy_type {typeProblem}");
        }

        if (r.Covariates is null)
        {
            yield break;
        }

        foreach (var (column, value) in r.Covariates)
        {
            string? why = value is null ? "is null" : TextProblem(value);
            if (why is not null)
            {
                yield return (column, value ?? "", $"{column} {why}");
            }
        }
    }

    /// <summary>The longest plausible follow-up: 120 years of 365.25 days.</summary>
    internal const int MaxFollowUpDays = 43_830;

    /// <summary>Why a text value is invalid, or null: control or format characters (NUL, tab, newline, U+200B...),
    /// U+FFFD (bytes that were not UTF-8), unpaired surrogates, or leading/trailing white space.</summary>
    internal static string? TextProblem(string value)
    {
        if (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])))
        {
            return "has leading or trailing white space";
        }

        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return null;   // printable ASCII (the common case, checked by a vector scan): nothing below can apply
        }

        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\uFFFD')
            {
                return $"holds bytes that are not UTF-8 (U+FFFD at character {i + 1})";
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return $"holds an unpaired surrogate at character {i + 1}";
            }

            var category = char.GetUnicodeCategory(c);
            if (category is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format)
            {
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"holds the control or format character U+{(int)c:X4} at character {i + 1}");
            }
        }

        return null;
    }

    internal static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
