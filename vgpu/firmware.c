/*
 * firmware.c - what firmware shows the guest about the vGPU: PCI
 * configuration space (contract 3.2-3.4) and the OpRegion with its VBT
 * (contract 3.5).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/private.h"

#include <string.h>

/* PCI configuration registers the library owns (BARs and MSI: the caller). */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09    /* prog-if, subclass, class */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d
#define SNB_GMCH_CTRL           0x50    /* GGC */
#define INTEL_BSM               0x5c    /* BDSM */
#define INTEL_ASLS              0xfc

/* GGMS = 3: an 8 MiB GGTT (4 GiB of graphics addresses); GMS = 0: no stolen. */
#define GGC_GGMS_8M             (3u << 6)
#define PCI_CLASS_DISPLAY_VGA   0x030000
/* Memory space, bus master, INTx disable; the rest of COMMAND is fixed. */
#define COMMAND_WRITABLE        0x0406
#define STATUS_W1C              0xf900  /* parity, aborts, SERR */
#define PCI_STATUS_CAP_LIST     0x0010
/* QEMU's emulated-device subsystem, shared by all its virtual devices. */
#define SUBSYSTEM_VENDOR_QEMU   0x1af4
#define SUBSYSTEM_QEMU          0x1100

struct cfg_reg {
    uint8_t offset;
    uint8_t size;               /* 1, 2 or 4 */
    uint32_t reset;
    uint32_t wmask;             /* guest-writable bits */
    uint32_t w1cmask;           /* write-1-to-clear bits */
};

/* Everything not listed here is read-only (or owned by the caller). */
static const struct cfg_reg cfg_regs[] = {
    { .offset = PCI_VENDOR_ID, .size = 2, .reset = VGPU_PCI_VENDOR_ID },
    { .offset = PCI_DEVICE_ID, .size = 2, .reset = VGPU_PCI_DEVICE_ID },
    { .offset = PCI_COMMAND, .size = 2, .wmask = COMMAND_WRITABLE },
    { .offset = PCI_STATUS, .size = 2, .reset = PCI_STATUS_CAP_LIST,
      .w1cmask = STATUS_W1C },
    { .offset = PCI_REVISION_ID, .size = 1, .reset = VGPU_PCI_REVISION },
    { .offset = PCI_CLASS_PROG, .size = 3, .reset = PCI_CLASS_DISPLAY_VGA },
    { .offset = PCI_SUBSYSTEM_VENDOR_ID, .size = 2, .reset = SUBSYSTEM_VENDOR_QEMU },
    { .offset = PCI_SUBSYSTEM_ID, .size = 2, .reset = SUBSYSTEM_QEMU },
    { .offset = PCI_INTERRUPT_LINE, .size = 1, .wmask = 0xff },
    { .offset = PCI_INTERRUPT_PIN, .size = 1, .reset = 1 },
    { .offset = SNB_GMCH_CTRL, .size = 2, .reset = GGC_GGMS_8M },
    { .offset = INTEL_BSM, .size = 4 },
    /* Firmware writes the OpRegion's address here (and a guest may). */
    { .offset = INTEL_ASLS, .size = 4, .wmask = 0xffffffff },
};

static void put_le(uint8_t *p, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = v >> (8 * i);
    }
}

void vgpu_cfg_init(uint8_t *config, uint8_t *wmask, uint8_t *w1cmask)
{
    for (size_t i = 0; i < sizeof(cfg_regs) / sizeof(cfg_regs[0]); i++) {
        const struct cfg_reg *r = &cfg_regs[i];

        put_le(config + r->offset, r->reset, r->size);
        put_le(wmask + r->offset, r->wmask, r->size);
        put_le(w1cmask + r->offset, r->w1cmask, r->size);
    }
}

/* OpRegion header (contract 3.5). */
#define OPREGION_SIGNATURE      "IntelGraphicsMem"
#define OPREGION_SIZE_FIELD     0x10    /* u32, in KiB */
#define OPREGION_VERSION_MAJOR  0x17
#define OPREGION_MBOXES         0x58
#define   MBOX_VBT              (1u << 3)
#define OPREGION_VBT_OFFSET     0x400

/* VBT header, BDB header and the one block we need (general definitions). */
#define VBT_SIGNATURE           "$VBT SKYLAKE        "     /* 20 bytes */
#define VBT_HEADER_SIZE         48
#define VBT_VERSION             100
#define BDB_SIGNATURE           "BIOS_DATA_BLOCK "         /* 16 bytes */
#define BDB_HEADER_SIZE         22
/* Any version in [111, 195) uses the 33-byte legacy child device layout. */
#define BDB_VERSION             186
#define BDB_GENERAL_DEFINITIONS 2
#define GENERAL_DEFS_HEADER     5
#define CHILD_DEVICE_SIZE       33

/* Child device fields (offsets in the 33-byte record). */
#define CHILD_HANDLE            0
#define CHILD_DEVICE_TYPE       2
#define CHILD_DVO_PORT          16
#define CHILD_COMPAT            24
#define CHILD_AUX_CHANNEL       25
#define CHILD_CAPABILITIES      27
#define DEVICE_HANDLE_EFP1      0x0004
#define DEVICE_TYPE_DP          0x68c6  /* DisplayPort, not HDMI, external */
#define DVO_PORT_DPD            9
#define COMPAT_DP_SUPPORT       (1u << 1)
#define DP_AUX_D                0x30
#define CAP_INTEGRATED_ENCODER  (1u << 5)

static size_t vbt_put_block_header(uint8_t *p, uint8_t id, uint16_t size)
{
    p[0] = id;
    put_le(p + 1, size, 2);
    return 3;
}

/* One DP port, D with AUX D: the virtual monitor's connector. */
static size_t vbt_put_general_definitions(uint8_t *p)
{
    uint8_t *child = p + 3 + GENERAL_DEFS_HEADER;

    vbt_put_block_header(p, BDB_GENERAL_DEFINITIONS,
                         GENERAL_DEFS_HEADER + CHILD_DEVICE_SIZE);
    p[3 + 4] = CHILD_DEVICE_SIZE;
    put_le(child + CHILD_HANDLE, DEVICE_HANDLE_EFP1, 2);
    put_le(child + CHILD_DEVICE_TYPE, DEVICE_TYPE_DP, 2);
    child[CHILD_DVO_PORT] = DVO_PORT_DPD;
    child[CHILD_COMPAT] = COMPAT_DP_SUPPORT;
    child[CHILD_AUX_CHANNEL] = DP_AUX_D;
    child[CHILD_CAPABILITIES] = CAP_INTEGRATED_ENCODER;
    return 3 + GENERAL_DEFS_HEADER + CHILD_DEVICE_SIZE;
}

void vgpu_opregion_build(uint8_t buf[VGPU_OPREGION_SIZE])
{
    uint8_t *vbt = buf + OPREGION_VBT_OFFSET;
    uint8_t *bdb = vbt + VBT_HEADER_SIZE;
    size_t bdb_size = BDB_HEADER_SIZE;
    uint8_t sum = 0;

    memset(buf, 0, VGPU_OPREGION_SIZE);
    memcpy(buf, OPREGION_SIGNATURE, 16);
    put_le(buf + OPREGION_SIZE_FIELD, VGPU_OPREGION_SIZE / 1024, 4);
    buf[OPREGION_VERSION_MAJOR] = 2;
    put_le(buf + OPREGION_MBOXES, MBOX_VBT, 4);

    memcpy(bdb, BDB_SIGNATURE, 16);
    put_le(bdb + 16, BDB_VERSION, 2);
    put_le(bdb + 18, BDB_HEADER_SIZE, 2);
    bdb_size += vbt_put_general_definitions(bdb + bdb_size);
    put_le(bdb + 20, bdb_size, 2);

    memcpy(vbt, VBT_SIGNATURE, 20);
    put_le(vbt + 20, VBT_VERSION, 2);
    put_le(vbt + 22, VBT_HEADER_SIZE, 2);
    put_le(vbt + 24, VBT_HEADER_SIZE + bdb_size, 2);
    put_le(vbt + 28, VBT_HEADER_SIZE, 4);           /* BDB offset */
    for (size_t i = 0; i < VBT_HEADER_SIZE + bdb_size; i++) {
        sum += vbt[i];
    }
    vbt[26] = -sum;                                 /* checksum */
}
