/*
 * The control socket's one check of what a control client sends
 * (wire_ctl_request_valid()) and of what the tool accepts
 * (wire_ctl_reply_valid()), on good and hostile packets, the creation of
 * vGPUs ahead of their VM among them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire/control.h"

static struct wire_ctl_request request(uint32_t op, uint32_t id, uint32_t weight, uint32_t cap)
{
    return (struct wire_ctl_request){ .version = WIRE_CTL_VERSION, .op = op, .vgpu_id = id,
                                     .weight = weight, .cap_percent = cap };
}

static void expect(struct wire_ctl_request r, const char *why_expected)
{
    const char *why = NULL;
    bool valid = wire_ctl_request_valid(&r, sizeof(r), &why);

    if (why_expected) {
        assert_false(valid);
        assert_string_equal(why, why_expected);
    } else {
        assert_true(valid);
    }
}

static struct wire_ctl_request named(uint32_t op, const char *type, const char *name)
{
    struct wire_ctl_request r = request(op, 0, 0, 0);

    strcpy(r.type, type);
    strcpy(r.name, name);
    return r;
}

static void test_requests(void **state)
{
    struct wire_ctl_request r = request(WIRE_CTL_STATS, 0, 0, 0);
    uint8_t longer[sizeof(r) + 1] = { 0 };
    const char *why;

    (void)state;
    expect(request(WIRE_CTL_STATS, 0, 0, 0), NULL);
    expect(request(WIRE_CTL_TYPES, 0, 0, 0), NULL);
    expect(request(WIRE_CTL_SET_SHARE, 3, 8, 0), NULL);
    expect(request(WIRE_CTL_SET_SHARE, 3, 0, 25), NULL);
    expect(request(WIRE_CTL_SET_SHARE, 3, 100, 100), NULL);
    expect(request(WIRE_CTL_STATS, 1, 0, 0), "arguments given to a query");
    expect(request(WIRE_CTL_TYPES, 0, 0, 5), "arguments given to a query");
    expect(request(WIRE_CTL_SET_SHARE, 0, 8, 0), "neither a vGPU id nor a name");
    expect(request(WIRE_CTL_SET_SHARE, 3, 0, 0), "neither a weight nor a cap to set");
    expect(request(WIRE_CTL_SET_SHARE, 3, 101, 0), "weight above 100");
    expect(request(WIRE_CTL_SET_SHARE, 3, 0, 101), "cap above 100 %");
    expect(request(WIRE_CTL_RESTART, 3, 0, 0), NULL);
    expect(named(WIRE_CTL_RESTART, "", "vm1"), NULL);
    expect(request(WIRE_CTL_RESTART, 0, 0, 0), "neither a vGPU id nor a name");
    expect(request(WIRE_CTL_RESTART, 3, 8, 0), "a type, weight or cap given to RESTART");
    expect(named(WIRE_CTL_RESTART, "gpumed-8", "vm1"), "a type, weight or cap given to RESTART");
    expect(request(0, 0, 0, 0), "unknown operation");
    expect(request(8, 0, 0, 0), "unknown operation");
    expect(request(WIRE_CTL_RESET_STATS, 3, 0, 0), NULL);
    expect(request(WIRE_CTL_RESET_STATS, 0, 0, 0), "neither a vGPU id nor a name");
    expect(request(WIRE_CTL_RESET_STATS, 3, 2, 0), "a weight or cap given to RESET_STATS");
    r.version = WIRE_CTL_VERSION + 1;
    expect(r, "unsupported control protocol version: use the gpumedctl of this gpumed");
    r = request(WIRE_CTL_STATS, 0, 0, 0);
    r.reserved = 1;
    expect(r, "reserved field not zero");
    memcpy(longer, &r, sizeof(r));
    assert_false(wire_ctl_request_valid(longer, sizeof(longer), &why));
    assert_string_equal(why, "not a request (wrong size)");
    assert_false(wire_ctl_request_valid(longer, sizeof(r) - 4, &why));
}

static void test_create_and_destroy_requests(void **state)
{
    struct wire_ctl_request r;

    (void)state;
    expect(named(WIRE_CTL_CREATE, "gpumed-8", "vm1"), NULL);
    expect(named(WIRE_CTL_CREATE, "gpumed-8", "a.b_c-9"), NULL);
    expect(named(WIRE_CTL_DESTROY, "", "vm1"), NULL);
    expect(named(WIRE_CTL_CREATE, "", "vm1"), "no type to create");
    expect(named(WIRE_CTL_CREATE, "gpumed-8", ""), "no name for the vGPU");
    expect(named(WIRE_CTL_CREATE, "gpumed-8", "vm 1"),
           "name has characters other than A-Z a-z 0-9 . _ -");
    expect(named(WIRE_CTL_CREATE, "gpumed-8", "vm\n1"),
           "name has characters other than A-Z a-z 0-9 . _ -");
    expect(named(WIRE_CTL_CREATE, "gpumed\x01", "vm1"), "type unterminated or not printable");
    expect(named(WIRE_CTL_DESTROY, "gpumed-8", "vm1"),
           "an id, weight, cap or type given to DESTROY");
    expect(named(WIRE_CTL_DESTROY, "", ""), "no name of a vGPU to destroy");
    expect(named(WIRE_CTL_STATS, "", "vm1"), "arguments given to a query");
    expect(named(WIRE_CTL_TYPES, "gpumed-8", ""), "arguments given to a query");
    r = named(WIRE_CTL_CREATE, "gpumed-8", "vm1");
    r.weight = 4;
    expect(r, "an id, weight or cap given to CREATE");
    r = named(WIRE_CTL_SET_SHARE, "", "vm1");
    r.weight = 4;
    expect(r, NULL);                                        /* set by name */
    r.vgpu_id = 1;
    expect(r, "both a vGPU id and a name");
    r = named(WIRE_CTL_SET_SHARE, "gpumed-8", "vm1");
    r.cap_percent = 4;
    expect(r, "a type given to SET_SHARE or RESET_STATS");
    r = named(WIRE_CTL_CREATE, "gpumed-8", "");
    memset(r.name, 'a', sizeof(r.name));                    /* unterminated */
    expect(r, "name not terminated within its 64 bytes");
    r = named(WIRE_CTL_CREATE, "", "vm1");
    memset(r.type, 'g', sizeof(r.type));
    expect(r, "type unterminated or not printable");
}

/* What gpumedctl tells people about a name, before anything is sent. */
static void test_names_explained(void **state)
{
    char why[160], long_name[80];

    (void)state;
    assert_true(wire_ctl_name_explain("vm-1.a_B", why, sizeof(why)));
    assert_false(wire_ctl_name_explain("", why, sizeof(why)));
    assert_string_equal(why, "a vGPU name cannot be empty");
    assert_false(wire_ctl_name_explain("vm 1", why, sizeof(why)));
    assert_string_equal(why, "'vm 1' has ' ': a vGPU name is made of A-Z a-z 0-9 . _ -");
    assert_false(wire_ctl_name_explain("v\xc3\xa9", why, sizeof(why)));
    assert_string_equal(why, "the name has byte 0xc3 at offset 1: a vGPU name is made of "
                        "A-Z a-z 0-9 . _ - (ASCII only)");
    memset(long_name, 'a', 63);
    long_name[63] = '\0';
    assert_true(wire_ctl_name_explain(long_name, why, sizeof(why)));
    long_name[63] = 'a';
    long_name[64] = '\0';
    assert_false(wire_ctl_name_explain(long_name, why, sizeof(why)));
    assert_string_equal(why, "'aaaaaaaaaaaaaaaaaaaa...' is 64 characters: a vGPU name has at "
                        "most 63");
}

static void test_replies(void **state)
{
    struct wire_ctl_reply r = { .kind = WIRE_CTL_VGPU, .u.vgpu.state = WIRE_CTL_VGPU_RUNNING };

    (void)state;
    assert_true(wire_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.state = 0;
    assert_false(wire_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.state = WIRE_CTL_VGPU_ATTACHED + 1;
    assert_false(wire_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.state = WIRE_CTL_VGPU_IDLE;
    memset(r.u.vgpu.name, 'a', sizeof(r.u.vgpu.name));     /* not terminated */
    assert_false(wire_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.name[0] = '\0';
    assert_true(wire_ctl_reply_valid(&r, sizeof(r)));
    assert_false(wire_ctl_reply_valid(&r, sizeof(r) - 8));
    memset(r.u.vgpu.vm_name, 'a', sizeof(r.u.vgpu.vm_name));   /* not terminated */
    assert_false(wire_ctl_reply_valid(&r, sizeof(r)));
    r = (struct wire_ctl_reply){ .kind = WIRE_CTL_END, .status = -2 };
    assert_true(wire_ctl_reply_valid(&r, sizeof(r)));
    r.status = 1;
    assert_false(wire_ctl_reply_valid(&r, sizeof(r)));
    r = (struct wire_ctl_reply){ .kind = 9 };
    assert_false(wire_ctl_reply_valid(&r, sizeof(r)));
}

static void test_control_path(void **state)
{
    char path[108], long_socket[120];

    (void)state;
    assert_int_equal(wire_ctl_path("/run/gpumed/gpumed.sock", path, sizeof(path)), 0);
    assert_string_equal(path, "/run/gpumed/gpumed.sock.control");
    memset(long_socket, 'x', sizeof(long_socket) - 1);
    long_socket[sizeof(long_socket) - 1] = '\0';
    long_socket[100] = '\0';    /* fits a socket address, its .control does not */
    assert_int_equal(wire_ctl_path(long_socket, path, sizeof(path)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_create_and_destroy_requests),
        cmocka_unit_test(test_names_explained),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_control_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
