/*
 * The control socket's one check of what a control client sends
 * (med_ctl_request_valid()) and of what the tool accepts
 * (med_ctl_reply_valid()), on good and hostile packets, the creation of
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

#include "mediator/control.h"

static struct med_ctl_request request(uint32_t op, uint32_t id, uint32_t weight, uint32_t cap)
{
    return (struct med_ctl_request){ .version = MED_CTL_VERSION, .op = op, .vgpu_id = id,
                                     .weight = weight, .cap_percent = cap };
}

static void expect(struct med_ctl_request r, const char *why_expected)
{
    const char *why = NULL;
    bool valid = med_ctl_request_valid(&r, sizeof(r), &why);

    if (why_expected) {
        assert_false(valid);
        assert_string_equal(why, why_expected);
    } else {
        assert_true(valid);
    }
}

static void test_requests(void **state)
{
    struct med_ctl_request r = request(MED_CTL_STATS, 0, 0, 0);
    uint8_t longer[sizeof(r) + 1] = { 0 };
    const char *why;

    (void)state;
    expect(request(MED_CTL_STATS, 0, 0, 0), NULL);
    expect(request(MED_CTL_TYPES, 0, 0, 0), NULL);
    expect(request(MED_CTL_SET_SHARE, 3, 8, 0), NULL);
    expect(request(MED_CTL_SET_SHARE, 3, 0, 25), NULL);
    expect(request(MED_CTL_SET_SHARE, 3, 100, 100), NULL);
    expect(request(MED_CTL_STATS, 1, 0, 0), "arguments given to a query");
    expect(request(MED_CTL_TYPES, 0, 0, 5), "arguments given to a query");
    expect(request(MED_CTL_SET_SHARE, 0, 8, 0), "no vGPU id");
    expect(request(MED_CTL_SET_SHARE, 3, 0, 0), "neither a weight nor a cap to set");
    expect(request(MED_CTL_SET_SHARE, 3, 101, 0), "weight above 100");
    expect(request(MED_CTL_SET_SHARE, 3, 0, 101), "cap above 100 %");
    expect(request(0, 0, 0, 0), "unknown operation");
    expect(request(6, 0, 0, 0), "unknown operation");
    r.version = MED_CTL_VERSION + 1;
    expect(r, "unsupported control protocol version");
    r = request(MED_CTL_STATS, 0, 0, 0);
    r.reserved = 1;
    expect(r, "reserved field not zero");
    memcpy(longer, &r, sizeof(r));
    assert_false(med_ctl_request_valid(longer, sizeof(longer), &why));
    assert_string_equal(why, "not a request (wrong size)");
    assert_false(med_ctl_request_valid(longer, sizeof(r) - 4, &why));
}

static struct med_ctl_request named(uint32_t op, const char *type, const char *name)
{
    struct med_ctl_request r = request(op, 0, 0, 0);

    strcpy(r.type, type);
    strcpy(r.name, name);
    return r;
}

static void test_create_and_destroy_requests(void **state)
{
    struct med_ctl_request r;

    (void)state;
    expect(named(MED_CTL_CREATE, "gpumed-8", "vm1"), NULL);
    expect(named(MED_CTL_CREATE, "gpumed-8", "a.b_c-9"), NULL);
    expect(named(MED_CTL_DESTROY, "", "vm1"), NULL);
    expect(named(MED_CTL_CREATE, "", "vm1"), "no type to create");
    expect(named(MED_CTL_CREATE, "gpumed-8", ""), "no name for the vGPU");
    expect(named(MED_CTL_CREATE, "gpumed-8", "vm 1"),
           "name unterminated or not made of [A-Za-z0-9._-]");
    expect(named(MED_CTL_CREATE, "gpumed-8", "vm\n1"),
           "name unterminated or not made of [A-Za-z0-9._-]");
    expect(named(MED_CTL_CREATE, "gpumed\x01", "vm1"), "type unterminated or not printable");
    expect(named(MED_CTL_DESTROY, "gpumed-8", "vm1"),
           "an id, weight, cap or type given to DESTROY");
    expect(named(MED_CTL_DESTROY, "", ""), "no name of a vGPU to destroy");
    expect(named(MED_CTL_STATS, "", "vm1"), "arguments given to a query");
    expect(named(MED_CTL_TYPES, "gpumed-8", ""), "arguments given to a query");
    r = named(MED_CTL_CREATE, "gpumed-8", "vm1");
    r.weight = 4;
    expect(r, "an id, weight or cap given to CREATE");
    r = named(MED_CTL_SET_SHARE, "", "vm1");
    r.vgpu_id = 1;
    r.weight = 4;
    expect(r, "a type or name given to SET_SHARE");
    r = named(MED_CTL_CREATE, "gpumed-8", "");
    memset(r.name, 'a', sizeof(r.name));                    /* unterminated */
    expect(r, "name unterminated or not made of [A-Za-z0-9._-]");
    r = named(MED_CTL_CREATE, "", "vm1");
    memset(r.type, 'g', sizeof(r.type));
    expect(r, "type unterminated or not printable");
}

static void test_replies(void **state)
{
    struct med_ctl_reply r = { .kind = MED_CTL_VGPU, .u.vgpu.state = MED_CTL_VGPU_RUNNING };

    (void)state;
    assert_true(med_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.state = 0;
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.state = MED_CTL_VGPU_ATTACHED + 1;
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.state = MED_CTL_VGPU_IDLE;
    memset(r.u.vgpu.name, 'a', sizeof(r.u.vgpu.name));     /* not terminated */
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
    r.u.vgpu.name[0] = '\0';
    assert_true(med_ctl_reply_valid(&r, sizeof(r)));
    assert_false(med_ctl_reply_valid(&r, sizeof(r) - 8));
    memset(r.u.vgpu.vm_name, 'a', sizeof(r.u.vgpu.vm_name));   /* not terminated */
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
    r = (struct med_ctl_reply){ .kind = MED_CTL_END, .status = -2 };
    assert_true(med_ctl_reply_valid(&r, sizeof(r)));
    r.status = 1;
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
    r = (struct med_ctl_reply){ .kind = 9 };
    assert_false(med_ctl_reply_valid(&r, sizeof(r)));
}

static void test_control_path(void **state)
{
    char path[108], long_socket[120];

    (void)state;
    assert_int_equal(med_ctl_path("/run/gpumed/gpumed.sock", path, sizeof(path)), 0);
    assert_string_equal(path, "/run/gpumed/gpumed.sock.control");
    memset(long_socket, 'x', sizeof(long_socket) - 1);
    long_socket[sizeof(long_socket) - 1] = '\0';
    long_socket[100] = '\0';    /* fits a socket address, its .control does not */
    assert_int_equal(med_ctl_path(long_socket, path, sizeof(path)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_create_and_destroy_requests),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_control_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
