/*
 * Numbers: the ES6 Number.prototype.toString form that RFC 8785 prescribes,
 * and the conversion of JSON number literals to doubles.
 *
 * Formatting uses the Schubfach algorithm (Raffaello Giulietti, "The
 * Schubfach way to render doubles", 2020): one 128-bit approximation of a
 * power of ten, computed with round-to-odd, is exact enough to decide which
 * decimal of the rounding interval is shortest and, among those, closest. It
 * handles the power-of-two boundary (the lower neighbour is closer) directly,
 * which is where a "%.17g and shorten" loop goes wrong. Java's version insists
 * on two digits; ES6 wants the shortest even if it is one digit (5e-324), so
 * here the one-digit-shorter candidate is always tried.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/internal.h"
#include "json/pow10.h"

#define SIG_BITS 52
#define C_MIN    ((uint64_t)1 << SIG_BITS)
#define Q_MIN    (-1074)
#define MASK63   (((uint64_t)1 << 63) - 1)

typedef unsigned __int128 dw_u128;

/* floor(log10(2^e)), floor(log10(3/4 2^e)), floor(log2(10^e)): checked by gen-pow10.py */
static int flog10pow2(int e)
{
	return (int)(((int64_t)e * 661971961083LL) >> 41);
}

static int flog10threequarterspow2(int e)
{
	return (int)(((int64_t)e * 661971961083LL - 274743187321LL) >> 41);
}

static int flog2pow10(int e)
{
	return (int)(((int64_t)e * 913124641741LL) >> 38);
}

/* cp * g * 2^-127 rounded to odd, where g = g1 2^63 + g0. */
static uint64_t rop(uint64_t g1, uint64_t g0, uint64_t cp)
{
	uint64_t x1 = (uint64_t)(((dw_u128)g0 * cp) >> 64);
	dw_u128 y = (dw_u128)g1 * cp;
	uint64_t y0 = (uint64_t)y, y1 = (uint64_t)(y >> 64);
	uint64_t z = (y0 >> 1) + x1;
	uint64_t vbp = y1 + (z >> 63);

	return vbp | (((z & MASK63) + MASK63) >> 63);
}

/* The shortest, then closest decimal f 10^e of the rounding interval of c 2^q. */
static void to_decimal(int q, uint64_t c, uint64_t *f, int *e)
{
	uint64_t out = c & 1, cb = c << 2, cbr = cb + 2, cbl, g1, g0, vb, vbl, vbr, s, t;
	uint64_t sp10, tp10;
	int k, h;
	bool uin, win;

	if (c != C_MIN || q == Q_MIN) {
		cbl = cb - 2;
		k = flog10pow2(q);
	} else {
		/* a power of two: the neighbour below is half as far as the one above */
		cbl = cb - 1;
		k = flog10threequarterspow2(q);
	}
	h = q + flog2pow10(-k) + 2;
	g1 = dw_pow10_g[2 * (k - DW_POW10_K_MIN)];
	g0 = dw_pow10_g[2 * (k - DW_POW10_K_MIN) + 1];
	vb = rop(g1, g0, cb << h);
	vbl = rop(g1, g0, cbl << h);
	vbr = rop(g1, g0, cbr << h);
	s = vb >> 2;

	/* at most one multiple of 10^(k+1) fits the interval: one digit fewer */
	sp10 = 10 * (s / 10);
	tp10 = sp10 + 10;
	uin = vbl + out <= sp10 << 2;
	win = (tp10 << 2) + out <= vbr;
	if (uin != win) {
		*f = uin ? sp10 : tp10;
		*e = k;
		return;
	}
	t = s + 1;
	uin = vbl + out <= s << 2;
	win = (t << 2) + out <= vbr;
	*e = k;
	if (uin != win) {
		*f = uin ? s : t;
		return;
	}
	/* both in the interval: the closer one, the even one on a tie */
	{
		int64_t cmp = (int64_t)(vb - ((s + t) << 1));

		*f = cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t;
	}
}

/* Lays out the digits of f 10^e as ES6 does; returns the length written to @out. */
static int es6_layout(uint64_t f, int e, char *out)
{
	char digits[24];
	int nd = 0, n, i, len = 0, x;

	while (f % 10 == 0) {
		f /= 10;
		e++;
	}
	for (; f; f /= 10)
		digits[nd++] = (char)('0' + f % 10);
	for (i = 0; i < nd / 2; i++) {
		char tmp = digits[i];

		digits[i] = digits[nd - 1 - i];
		digits[nd - 1 - i] = tmp;
	}
	n = nd + e; /* the value is 0.digits times 10^n */
	if (nd <= n && n <= 21) {
		memcpy(out, digits, (size_t)nd);
		len = nd;
		for (i = 0; i < n - nd; i++)
			out[len++] = '0';
	} else if (0 < n && n <= 21) {
		memcpy(out, digits, (size_t)n);
		out[n] = '.';
		memcpy(out + n + 1, digits + n, (size_t)(nd - n));
		len = nd + 1;
	} else if (-6 < n && n <= 0) {
		out[len++] = '0';
		out[len++] = '.';
		for (i = 0; i < -n; i++)
			out[len++] = '0';
		memcpy(out + len, digits, (size_t)nd);
		len += nd;
	} else {
		out[len++] = digits[0];
		if (nd > 1) {
			out[len++] = '.';
			memcpy(out + len, digits + 1, (size_t)(nd - 1));
			len += nd - 1;
		}
		out[len++] = 'e';
		x = n - 1;
		out[len++] = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		if (x >= 100)
			out[len++] = (char)('0' + x / 100);
		if (x >= 10)
			out[len++] = (char)('0' + x / 10 % 10);
		out[len++] = (char)('0' + x % 10);
	}
	out[len] = '\0';
	return len;
}

int dw_json_format_double(double d, char *out)
{
	uint64_t bits, c, t;
	int bq, mq, len = 0, e;

	if (!isfinite(d))
		return -EINVAL;
	memcpy(&bits, &d, sizeof(bits));
	t = bits & (C_MIN - 1);
	bq = (int)((bits >> SIG_BITS) & 0x7FF);
	if (bq == 0 && t == 0) { /* +0 and -0 both print as 0 */
		out[0] = '0';
		out[1] = '\0';
		return 1;
	}
	if (bits >> 63)
		out[len++] = '-';
	if (bq == 0) { /* subnormal: c 2^Q_MIN */
		to_decimal(Q_MIN, t, &c, &e);
		return len + es6_layout(c, e, out + len);
	}
	mq = -Q_MIN + 1 - bq;
	c = C_MIN | t;
	if (0 < mq && mq <= SIG_BITS && ((c >> mq) << mq) == c) /* an integer below 2^53 */
		return len + es6_layout(c >> mq, 0, out + len);
	to_decimal(-mq, c, &c, &e);
	return len + es6_layout(c, e, out + len);
}

/* Reading ------------------------------------------------------------------ */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static const double exact_pow10[] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

struct literal {
	bool neg, integer;
	uint64_t mant; /* the first 19 significant digits */
	int ndigits;   /* significant digits in all (leading zeros not counted) */
	long exp10;    /* value = mant 10^exp10, when ndigits <= 19 */
};

static void scan_literal(const char *s, size_t len, struct literal *lit)
{
	size_t i = 0;
	long exp = 0, fracdigits = 0;
	bool eneg = false;

	memset(lit, 0, sizeof(*lit));
	lit->integer = true;
	if (s[i] == '-')
		lit->neg = true, i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (lit->ndigits < 19) {
			lit->mant = lit->mant * 10 + (uint64_t)(s[i] - '0');
			if (lit->mant)
				lit->ndigits++;
		} else {
			lit->ndigits++;
		}
	}
	if (i < len && s[i] == '.') {
		lit->integer = false;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (lit->ndigits < 19) {
				lit->mant = lit->mant * 10 + (uint64_t)(s[i] - '0');
				fracdigits++;
				if (lit->mant)
					lit->ndigits++;
			} else {
				lit->ndigits++;
			}
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		lit->integer = false;
		i++;
		if (s[i] == '-' || s[i] == '+')
			eneg = s[i++] == '-';
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (exp < 100000)
				exp = exp * 10 + (s[i] - '0');
	}
	lit->exp10 = (eneg ? -exp : exp) - fracdigits;
}

/*
 * The exact decimal digits of an integral double @d >= 2^53 (d = m 2^x):
 * multiply m by 2^x in base 10^9 limbs.
 */
static int integral_digits(double d, char *out, size_t outlen)
{
	uint32_t limbs[40];
	int n = 0, x, i, shift, len;
	uint64_t m = (uint64_t)ldexp(frexp(d, &x), 53), carry;

	x -= 53;
	while (m) {
		limbs[n++] = (uint32_t)(m % 1000000000u);
		m /= 1000000000u;
	}
	for (; x > 0; x -= shift) {
		shift = x > 29 ? 29 : x;
		carry = 0;
		for (i = 0; i < n; i++) {
			uint64_t v = ((uint64_t)limbs[i] << shift) + carry;

			limbs[i] = (uint32_t)(v % 1000000000u);
			carry = v / 1000000000u;
		}
		while (carry) {
			limbs[n++] = (uint32_t)(carry % 1000000000u);
			carry /= 1000000000u;
		}
	}
	len = snprintf(out, outlen, "%u", limbs[n - 1]);
	for (i = n - 2; i >= 0 && len > 0 && (size_t)len < outlen; i--)
		len += snprintf(out + len, outlen - (size_t)len, "%09u", limbs[i]);
	return len;
}

/* True when the integer literal @s has exactly the value of the double @d. */
static bool integer_exact(const char *s, size_t len, double d)
{
	char digits[400];
	int n;

	if (*s == '-')
		s++, len--;
	/* below 2^53 every integer is a double; 2^53 itself is also 2^53 + 1 rounded */
	if (fabs(d) < 9007199254740992.0)
		return true;
	n = integral_digits(fabs(d), digits, sizeof(digits));
	return n > 0 && (size_t)n == len && memcmp(digits, s, len) == 0;
}

bool dw_json__integer_needs_text(const char *s, size_t len, double d)
{
	char es6[DW_JSON_NUMBER_MAX];
	int n;

	if (integer_exact(s, len, d))
		return false;
	/* not exact, but printing the double gives these digits back: nothing to keep */
	n = dw_json_format_double(d, es6);
	return !(n > 0 && (size_t)n == len && memcmp(es6, s, len) == 0);
}

int dw_json__number_from_text(const char *s, size_t len, double *out, bool *keep_text)
{
	struct literal lit;
	double d;
	char small[64], *copy = small;

	*keep_text = false;
	scan_literal(s, len, &lit);
	/* Clinger's fast path: both factors exact, so one rounding, the right one */
	if (lit.ndigits <= 15 && lit.exp10 >= -22 && lit.exp10 <= 22) {
		d = (double)lit.mant;
		d = lit.exp10 < 0 ? d / exact_pow10[-lit.exp10] : d * exact_pow10[lit.exp10];
		*out = lit.neg ? -d : d;
		return 0;
	}
	if (len >= sizeof(small) && !(copy = malloc(len + 1)))
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	pthread_once(&c_locale_once, c_locale_init);
	d = c_locale ? strtod_l(copy, NULL, c_locale) : strtod(copy, NULL);
	if (copy != small)
		free(copy);
	if (isinf(d))
		return -ERANGE;
	*out = d;
	*keep_text = lit.integer && dw_json__integer_needs_text(s, len, d);
	return 0;
}
