// SPDX-License-Identifier: GPL-2.0-or-later
// Everything a UDP 326 datagram reaches before authentication (node-protocol.md §6.2,
// §6.6, §6.8): the datagram codec, payload codes, address strings, the local registry
// channel, and a peer session of node 0/16 (vectors in RE6ST_VECTORS, if set).
#include "core/LocalRegistryDatagram.h"
#include "core/PeerDatagram.h"
#include "core/PeerPayload.h"
#include "core/PeerSession.h"

#include <QFile>
#include <memory>

using namespace re6st;

namespace {

QByteArray readVector(const char *relative)
{
    QFile f(qEnvironmentVariable("RE6ST_VECTORS") + QLatin1Char('/') + QLatin1String(relative));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Node 0/16 of the vectors at 2026-11-26 10:30 UTC, with the recorded session key as
// its current key so that recorded data datagrams get past the HMAC.
const PeerContext *context()
{
    static std::unique_ptr<PeerContext> ctx = [] {
        auto c = std::make_unique<PeerContext>();
        const auto cert = crypto::Certificate::fromPem(readVector("crypto/node-0-16.crt"));
        const auto key = crypto::RsaKey::fromPem(readVector("crypto/node-0-16.key"));
        const auto ca = crypto::Certificate::fromPem(readVector("crypto/ca.crt"));
        if (!cert || !key || !ca) return std::unique_ptr<PeerContext>();
        c->certificate = *cert;
        c->key = *key;
        c->ca = *ca;
        c->initialKey = QByteArray::fromHex("0006612b6d081c40cdf8f3cd0a9f6e5a7772a78c");
        c->nowMs = [] { return qint64(1795689000000); };
        c->newSecret = [] { return QByteArray::fromHex("0006612b6d081c40cdf8f3cd0a9f6e5a7772a78d"); };
        c->networkVersion = QByteArray(1, '\0');
        return c;
    }();
    return ctx.get();
}

void check(bool condition)
{
    if (!condition) __builtin_trap();
}

void checkRoundTrip(const QByteArray &input, bool protocolField)
{
    auto decoded = PeerDatagram::decode(input, protocolField);
    const auto *d = std::get_if<PeerDatagram>(&decoded);
    if (!d) return;
    check(input.size() > 4 && input.size() <= PeerDatagram::kMaxSize);
    switch (d->kind()) {
    case PeerDatagram::Kind::HelloNoCert:
        check(PeerDatagram::encodeHello(10, {}, d->certificateDer()) == input);
        break;
    case PeerDatagram::Kind::HelloWithCert:
        check(d->receiverFingerprint().size() == PeerDatagram::kFingerprintSize);
        if (d->protocol())
            check(PeerDatagram::encodeHello(*d->protocol(), d->receiverFingerprint(), d->certificateDer())
                  == input);
        else
            check(input.left(4) + d->receiverFingerprint() + d->certificateDer() == input);
        break;
    case PeerDatagram::Kind::NewSession:
        check(d->encryptedKey().size() == d->signature().size());
        check(PeerDatagram::encodeNewSession(d->protocol(), d->encryptedKey(), d->signature()) == input);
        break;
    case PeerDatagram::Kind::Data: {
        check(input.left(4) + d->payload() + d->hmac() == input);
        if (const auto p = PeerPayload::parse(d->payload())) {
            check(p->encode() == d->payload());
            if (p->code() == PeerPayload::Address)
                PeerAddress::dumpList(PeerAddress::parseList(QString::fromUtf8(p->body())));
            if (p->code() == PeerPayload::Topology) PeerPayload::parseTopology(p->body());
        } else {
            check(d->payload().isEmpty());
        }
        break;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    checkRoundTrip(input, true);
    checkRoundTrip(input, false);
    if (const auto local = LocalRegistryDatagram::parse(input)) {
        const auto again = local->build();
        check(again && *again == input);
    }
    if (const PeerContext *ctx = context()) {
        PeerSession session(*ctx, "0000000000000001");
        const quint32 before = session.receivedSeq();
        const auto r = session.receive(input);
        if (r.outcome != PeerSession::Outcome::Accepted) {
            check(r.replies.isEmpty() && !r.payload && !r.sessionOpened);
            check(session.receivedSeq() == before);
        }
        session.send(QByteArray("\x01", 1));
    }
    return 0;
}
