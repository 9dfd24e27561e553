namespace Microsoft.ML.TempBalance.SciML.Generators;

/// <summary>
/// PDEBench's random 1D initial condition (sciml-notes 4.1): u(x) = Σ_k A_k sin(K_k x + φ_k) over k_tot modes,
/// two mode draws deciding which wavenumbers are non-zero, then with probability 0.1 |u|, a random sign, and with
/// probability <c>windowProbability</c> a tanh window. The domain length is used for the wavenumbers (PDEBench uses
/// L − Δx, which makes its fields very slightly non-periodic; a harmless difference).
/// </summary>
public sealed class RandomSines1D
{
    private readonly double[] _amplitude;
    private readonly double[] _wavenumber;
    private readonly double[] _phase;
    private readonly bool _absolute;
    private readonly double _sign;
    private readonly (double Left, double Right)? _window;

    /// <summary>Draws one initial condition.</summary>
    public RandomSines1D(Random random, int modes, double domainLength, double windowProbability)
    {
        ArgumentNullException.ThrowIfNull(random);
        _amplitude = new double[modes];
        _wavenumber = new double[modes];
        _phase = new double[modes];
        var drawn = new int[modes];
        drawn[random.Next(modes)]++;
        drawn[random.Next(modes)]++;
        for (int k = 0; k < modes; k++)
        {
            _wavenumber[k] = 2 * Math.PI * (k + 1) * drawn[k] / domainLength;
            _amplitude[k] = random.NextDouble();
            _phase[k] = 2 * Math.PI * random.NextDouble();
        }

        _absolute = random.NextDouble() < 0.1;
        _sign = random.NextDouble() < 0.5 ? -1 : 1;
        if (random.NextDouble() < windowProbability)
        {
            _window = (0.1 + 0.35 * random.NextDouble(), 0.55 + 0.35 * random.NextDouble());
        }
    }

    /// <summary>u(x) before any renormalisation.</summary>
    public double Evaluate(double x)
    {
        double u = 0;
        for (int k = 0; k < _amplitude.Length; k++)
        {
            u += _amplitude[k] * Math.Sin(_wavenumber[k] * x + _phase[k]);
        }

        if (_absolute)
        {
            u = Math.Abs(u);
        }

        u *= _sign;
        if (_window is { } w)
        {
            u *= 0.5 * (Math.Tanh((x - w.Left) / 0.01) - Math.Tanh((x - w.Right) / 0.01));
        }

        return u;
    }
}
