package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

/** wsroute.listen.proxy-protocol-from: which peers a PROXY header is taken from. */
class TrustedPeersTest {

    static InetSocketAddress peer(String ip) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), 40000);
    }

    @Test
    void aPeerIsTrustedWhenACidrHoldsIt() throws Exception {
        TrustedPeers t = TrustedPeers.of(List.of("10.0.0.0/8", " 192.168.1.10 ", "fd00::/8", "172.16.0.0/12"));
        assertThat(t.allows(peer("10.200.3.4"))).isTrue();
        assertThat(t.allows(peer("11.0.0.1"))).isFalse();
        assertThat(t.allows(peer("192.168.1.10"))).isTrue();
        assertThat(t.allows(peer("192.168.1.11"))).isFalse();
        assertThat(t.allows(peer("172.31.255.255"))).isTrue();
        assertThat(t.allows(peer("172.32.0.0"))).isFalse();
        assertThat(t.allows(peer("fd12:3456::1"))).isTrue();
        assertThat(t.allows(peer("fe80::1"))).isFalse();
        assertThat(t.allows(new InetSocketAddress(InetAddress.getByAddress(
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3}), 1))).as("IPv4-mapped").isTrue();
        assertThat(t.allows(null)).isFalse();
    }

    @Test
    void noCidrsIsAnyPeerAndAZeroPrefixIsEveryAddressOfItsFamily() throws Exception {
        assertThat(TrustedPeers.ANY.allows(peer("203.0.113.1"))).isTrue();
        TrustedPeers v4 = TrustedPeers.of(List.of("0.0.0.0/0"));
        assertThat(v4.allows(peer("203.0.113.1"))).isTrue();
        assertThat(v4.allows(peer("2001:db8::1"))).isFalse();
    }

    /** An IPv4-mapped block is the IPv4 block under it: before, ::ffff:10.0.0.0/104 stopped the start ("0 to 32"). */
    @Test
    void anIpv4MappedCidrHoldsTheIpv4AddressesUnderIt() throws Exception {
        TrustedPeers mapped = TrustedPeers.of(List.of("::ffff:10.0.0.0/104", "::ffff:192.168.1.10"));
        assertThat(mapped.allows(peer("10.1.2.3"))).isTrue();
        assertThat(mapped.allows(peer("11.0.0.1"))).isFalse();
        assertThat(mapped.allows(peer("192.168.1.10"))).isTrue();
        assertThat(mapped.allows(peer("192.168.1.11"))).isFalse();
        assertThat(TrustedPeers.of(List.of("::ffff:0.0.0.0/96")).allows(peer("203.0.113.1"))).as("every IPv4 address").isTrue();
        assertThat(TrustedPeers.problem(List.of("::ffff:10.0.0.0/95"))).contains("'::ffff:10.0.0.0/95': the prefix length must be 96 to 128");
    }

    @Test
    void anEntryThatIsNoAddressOrCidrIsNamed() {
        assertThat(TrustedPeers.problem(List.of("10.0.0.0/8", "10.0.0.0/33"))).contains("'10.0.0.0/33': the prefix length must be 0 to 32");
        assertThat(TrustedPeers.problem(List.of("lb.example.com"))).hasValueSatisfying(p -> assertThat(p).startsWith("'lb.example.com' is no IP address"));
        assertThat(TrustedPeers.problem(List.of("10.0.0.0/x"))).isPresent();
        assertThatThrownBy(() -> TrustedPeers.of(List.of("::1/129"))).hasMessageContaining("0 to 128");
    }
}
