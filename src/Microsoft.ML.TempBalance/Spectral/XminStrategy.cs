namespace Microsoft.ML.TempBalance.Spectral;

/// <summary>How the power-law fit chooses xmin, the start of the tail (spec section 2.2).</summary>
public enum XminStrategy
{
    /// <summary>
    /// Fixed index i = floor(N / xminPosition): with position 2 the median eigenvalue starts the tail. The
    /// default, and what the TempBalance reference code uses (<c>median</c>, <c>xmin_mid</c>).
    /// </summary>
    Median,

    /// <summary>
    /// Every candidate i = 0..N-2 is fitted and the one with the smallest KS distance wins (WeightWatcher's
    /// <c>alpha</c>, the reference's "goodness-of-fit" mode). Candidates with alpha &lt;= 1 keep distance 1.
    /// </summary>
    Scan,

    /// <summary>
    /// The scan restricted to eigenvalues near the peak of the log10 histogram (100 bins): candidates in
    /// [0.95 x xmin2, 1.5 x xmin2], xmin2 = 10^(left edge of the fullest bin). The reference compares
    /// log10(0.95 x xmin2) with linear eigenvalues (a bug that disables the lower bound); this library uses the
    /// linear bound 0.95 x xmin2 as intended. When no candidate lies in range, alpha is NaN (the reference
    /// returns 0, which would read as an extremely heavy tail).
    /// </summary>
    Peak,
}
