// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeIdentity.h"

#include "core/Addressing.h"
#include "core/RegularFile.h"

#include <QDateTime>
#include <algorithm>

namespace re6st::daemon {
namespace {

QString utc(qint64 t)
{
    return QDateTime::fromSecsSinceEpoch(t, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
}

NodeIdentity::Result failure(const QString &message)
{
    NodeIdentity::Result r;
    r.error = message;
    return r;
}

} // namespace

NodeIdentity::Result NodeIdentity::fromPem(const QByteArray &caPem, const QByteArray &certPem,
                                           const QByteArray &keyPem, qint64 now)
{
    NodeIdentity id;
    const auto ca = crypto::Certificate::fromPem(caPem);
    if (!ca) return failure(QStringLiteral("--ca: not a PEM certificate; give the ca.crt written by re6st-conf"));
    const auto cert = crypto::Certificate::fromPem(certPem);
    if (!cert)
        return failure(QStringLiteral("--cert: not a PEM certificate; give the cert.crt written by re6st-conf"));
    const auto key = crypto::RsaKey::fromPem(keyPem);
    if (!key || !key->hasPrivate())
        return failure(QStringLiteral("--key: not an unencrypted PEM RSA private key; give the cert.key "
                                      "written by re6st-conf"));
    id.ca = *ca;
    id.cert = *cert;
    id.key = *key;

    // §2.1: network = CA serial minus its leading 1 bit.
    const auto network = addressing::networkFromSerialHex(ca->serialHex());
    if (!network)
        return failure(QStringLiteral("--ca: serial 0x%1 does not encode a network prefix (a 1 bit followed "
                                      "by at most 128 bits); is this the re6st CA?")
                           .arg(QString::fromLatin1(ca->serialHex())));
    id.network = *network;

    // §2.3: the key must be the certificate's.
    if (!key->samePublicKey(cert->publicKey()))
        return failure(QStringLiteral("--key does not match --cert (different public keys); give the "
                                      "cert.key that was used to request this certificate, or run "
                                      "re6st-conf again"));
    // §2.3: signed by the CA, verified at T = min(now, max(notBefore(CA), notBefore(cert)))
    // so that an expired certificate is still accepted (it gets renewed).
    if (cert->issuer() != ca->subject() || !cert->isSignedBy(ca->publicKey()))
        return failure(QStringLiteral("--cert (CN=%1) is not signed by --ca (CN=%2); use the CA and "
                                      "certificate of the same network (re6st-conf --registry URL)")
                           .arg(cert->commonName(), ca->commonName()));
    const qint64 at = std::min(now, std::max(ca->notBefore(), cert->notBefore()));
    if (at < cert->notBefore())
        return failure(QStringLiteral("--cert is not valid yet (valid from %1, now %2); check the system clock")
                           .arg(utc(cert->notBefore()), utc(now)));
    if (at < ca->notBefore() || at > ca->notAfter())
        return failure(QStringLiteral("--ca is not valid at %1 (valid from %2 to %3); check the system clock "
                                      "or fetch the current CA with re6st-conf --ca-only")
                           .arg(utc(at), utc(ca->notBefore()), utc(ca->notAfter())));
    if (at > cert->notAfter())
        return failure(QStringLiteral("--cert validity is inconsistent (ends %1 before it starts); run "
                                      "re6st-conf again").arg(utc(cert->notAfter())));
    // §2.3: every key of a network has the CA key's modulus size (hello halves).
    const int caBits = ca->publicKey().bits();
    if (key->bits() != caBits)
        return failure(QStringLiteral("--key is a %1-bit RSA key but the CA key has %2 bits; nodes of a "
                                      "network need keys of the CA size: remove cert.key and run re6st-conf "
                                      "again").arg(key->bits()).arg(caBits));
    // §2.2: prefix from the CN, subnet = network + prefix (<= 128 bits).
    const auto prefix = addressing::bitsFromCn(cert->commonName());
    if (!prefix)
        return failure(QStringLiteral("--cert: CN '%1' is not a prefix '<number>/<length>'; this is not a "
                                      "re6st node certificate (run re6st-conf)").arg(cert->commonName()));
    id.prefix = *prefix;
    const QByteArray subnet = id.network + id.prefix;
    if (subnet.size() > 128)
        return failure(QStringLiteral("network (%1 bits) + prefix %2 (%3 bits) exceed 128 bits; the CA and "
                                      "certificate do not belong together")
                           .arg(id.network.size()).arg(cert->commonName()).arg(id.prefix.size()));
    id.ip = addressing::ipv6FromBits(subnet, true).value_or(QString());
    id.subnet = addressing::cidrFromBits(subnet);
    id.networkCidr = addressing::cidrFromBits(id.network);
    if (now > cert->notAfter()) {
        id.certificateExpired = true;
        id.warning = QStringLiteral("certificate CN=%1 expired at %2; it must be renewed with the registry "
                                    "(or run re6st-conf again)").arg(cert->commonName(), utc(cert->notAfter()));
    }
    Result r;
    r.identity = id;
    return r;
}

NodeIdentity::Result NodeIdentity::load(const QString &caPath, const QString &certPath, const QString &keyPath,
                                        qint64 now)
{
    QByteArray pems[3];
    const std::pair<const char *, const QString *> files[3] = {
        {"--ca", &caPath}, {"--cert", &certPath}, {"--key", &keyPath}};
    for (int i = 0; i < 3; ++i) {
        // Regular files of at most 1 MiB only: --key /dev/zero must not exhaust memory, nor
        // a FIFO block the start for ever.
        QString why;
        auto data = RegularFile::read(*files[i].second, &why);
        if (!data)
            return failure(QStringLiteral("%1: cannot read %2: %3; check the path (relative paths are relative "
                                          "to the working directory)")
                               .arg(QLatin1String(files[i].first), *files[i].second, why));
        pems[i] = std::move(*data);
    }
    return fromPem(pems[0], pems[1], pems[2], now);
}

} // namespace re6st::daemon
