# SPDX-License-Identifier: GPL-2.0-or-later
# CPack: the Debian package (issue 6 §3).
