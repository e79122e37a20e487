// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Private to core/crypto/*.cpp: Subject <-> X509_NAME conversion.
#include "core/crypto/OpenSslPtr.h"
#include "core/crypto/SubjectEntry.h"

namespace re6st::crypto::detail {

// Builds a name the way X509_NAME_add_entry_by_txt(..., MBSTRING_UTF8, ...)
// does (string type chosen per attribute: serialNumber/C PrintableString,
// emailAddress IA5String, others UTF8String) — the encoding of upstream's
// pyOpenSSL subjects (registry-protocol.md §7.5). nullptr if an attribute
// name is unknown or a value does not fit the attribute's constraints.
X509NamePtr toX509Name(const Subject &subject);
Subject fromX509Name(const X509_NAME *name);

} // namespace re6st::crypto::detail
