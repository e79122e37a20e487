#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes a tiny GeoIP2-Country-style database for the registry tests
# (registry-protocol.md §11). Usage: perl make-test-mmdb.pl OUT.mmdb
# Needs MaxMind::DB::Writer (Debian: libmaxmind-db-writer-perl).
# Only documentation / private ranges are used, never real addresses.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUT.mmdb\n";

my %types = (
    country   => 'map',
    continent => 'map',
    iso_code  => 'utf8_string',
    code      => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'GeoIP2-Country',
    languages                => ['en'],
    description              => { en => 're6st-qt test country database' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,    # the test ranges are private/documentation ones
);

my @networks = (
    [ '10.42.1.0/24',     'FR', 'EU' ],
    [ '10.42.2.0/24',     'DE', 'EU' ],
    [ '10.42.3.0/24',     'JP', 'AS' ],
    [ '2001:db8:1::/48',  'FR', 'EU' ],
    [ '2001:db8:2::/48',  'AU', 'OC' ],
);
for my $n (@networks) {
    my ($network, $country, $continent) = @$n;
    $tree->insert_network($network,
        { country => { iso_code => $country }, continent => { code => $continent } });
}

open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
