/* Unit tests for lib/sha256 against FIPS 180-4 test vectors. */
#include "config.h"

#include <string.h>

#include "lib/sha256.h"
#include "tests/unit/tap.h"

int
main(void)
{
    char hex[65];
    struct dsq_sha256 c;
    unsigned char d[32];
    static char big[1000000];

    dsq_sha256_hex("", 0, hex);
    is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
    dsq_sha256_hex("abc", 3, hex);
    is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
    dsq_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "448 bits");
    memset(big, 'a', sizeof big);
    dsq_sha256_hex(big, sizeof big, hex);
    is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
           "one million 'a'");
    /* Streaming in odd pieces gives the same digest. */
    dsq_sha256_init(&c);
    for (size_t i = 0; i < sizeof big; i += 7)
        dsq_sha256_update(&c, big + i, sizeof big - i < 7 ? sizeof big - i : 7);
    dsq_sha256_final(&c, d);
    ok(d[0] == 0xcd && d[31] == 0xd0, "streamed in 7-byte pieces");
    return done_testing();
}
