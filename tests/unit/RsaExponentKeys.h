// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// RSA keys with a chosen public exponent e, as a requester could send them to
// the registry (registry-protocol.md §7.2, §18.6): tst_csrexponent,
// tst_registryservice. OpenSSL 3 EVP / OSSL_PARAM_BLD, test support only.
#include "core/crypto/RsaKey.h"

#include <QByteArray>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

namespace re6st::test {

namespace rsaexponent {
struct BnFree
{
    void operator()(BIGNUM *p) const { BN_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

inline Bn bn(const QByteArray &magnitude)
{
    return Bn(BN_bin2bn(reinterpret_cast<const unsigned char *>(magnitude.constData()), int(magnitude.size()),
                        nullptr));
}
} // namespace rsaexponent

// A fresh key from OpenSSL's key generation with e = `exponent` (big-endian).
inline crypto::RsaKey generatedWithExponent(int bits, const QByteArray &exponent)
{
    using namespace rsaexponent;
    const Bn e = bn(exponent);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    EVP_PKEY *key = nullptr;
    const bool ok = ctx != nullptr && e && EVP_PKEY_keygen_init(ctx) == 1
                    && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1
                    && EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e.get()) == 1 && EVP_PKEY_keygen(ctx, &key) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok ? crypto::RsaKey(key) : crypto::RsaKey();
}

// `key`'s primes with e = `exponent` instead (the modulus, hence keyBits, is
// unchanged). d = e^-1 mod lcm(p-1, q-1) when that exists, so the key signs
// verifiably (*invertible = true); else d = 1, whose signatures only verify
// for e = 1 (the padded digest itself: anybody can make one).
inline crypto::RsaKey withPublicExponent(const crypto::RsaKey &key, const QByteArray &exponent,
                                         bool *invertible = nullptr)
{
    using namespace rsaexponent;
    BIGNUM *p0 = nullptr, *q0 = nullptr;
    EVP_PKEY_get_bn_param(key.handle(), OSSL_PKEY_PARAM_RSA_FACTOR1, &p0);
    EVP_PKEY_get_bn_param(key.handle(), OSSL_PKEY_PARAM_RSA_FACTOR2, &q0);
    const Bn p(p0), q(q0), e = bn(exponent);
    std::unique_ptr<BN_CTX, void (*)(BN_CTX *)> ctx(BN_CTX_new(), BN_CTX_free);
    if (!p || !q || !e || !ctx) return {};
    const Bn n(BN_new()), p1(BN_dup(p.get())), q1(BN_dup(q.get())), g(BN_new()), lcm(BN_new()),
        dp(BN_new()), dq(BN_new()), qinv(BN_mod_inverse(nullptr, q.get(), p.get(), ctx.get()));
    BN_mul(n.get(), p.get(), q.get(), ctx.get());
    BN_sub_word(p1.get(), 1);
    BN_sub_word(q1.get(), 1);
    BN_gcd(g.get(), p1.get(), q1.get(), ctx.get());
    BN_mul(lcm.get(), p1.get(), q1.get(), ctx.get());
    BN_div(lcm.get(), nullptr, lcm.get(), g.get(), ctx.get());
    Bn d(BN_mod_inverse(nullptr, e.get(), lcm.get(), ctx.get()));
    if (invertible) *invertible = bool(d);
    if (!d) {
        d.reset(BN_new());
        BN_one(d.get());
    }
    BN_mod(dp.get(), d.get(), p1.get(), ctx.get());
    BN_mod(dq.get(), d.get(), q1.get(), ctx.get());
    ERR_clear_error();

    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = nullptr;
    EVP_PKEY_CTX *import = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    EVP_PKEY *out = nullptr;
    const bool ok = builder != nullptr && import != nullptr && qinv
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_D, d.get()) == 1
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) == 1
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) == 1
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) == 1
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) == 1
                    && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get()) == 1
                    && (params = OSSL_PARAM_BLD_to_param(builder)) != nullptr
                    && EVP_PKEY_fromdata_init(import) == 1
                    && EVP_PKEY_fromdata(import, &out, EVP_PKEY_KEYPAIR, params) == 1;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    EVP_PKEY_CTX_free(import);
    ERR_clear_error();
    return ok ? crypto::RsaKey(out) : crypto::RsaKey();
}

// The first odd e >= 2^(bits-1) + 1 invertible modulo `key`'s lcm(p-1, q-1),
// big-endian: a key with it signs verifiably and costs every verifier a
// `bits`-bit exponentiation.
inline QByteArray invertibleExponent(const crypto::RsaKey &key, int bits)
{
    QByteArray e((bits + 7) / 8, '\0');
    e[0] = char(1 << ((bits - 1) % 8));
    for (int low = 1; low < 256; low += 2) { // the low octet is enough here
        e[e.size() - 1] = char(low);
        bool invertible = false;
        if (!withPublicExponent(key, e, &invertible).isNull() && invertible) return e;
    }
    return {};
}

} // namespace re6st::test
