/*
 * igd-opregion.c - the IGD OpRegion handed to firmware (igd-opregion.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "hw/nvram/fw_cfg.h"
#include "sysemu/xen.h"

#include "vgpu/vgpu.h"
#include "igd-opregion.h"

/* SeaBIOS copies this fw_cfg file into reserved RAM and points ASLS at it. */
#define OPREGION_FW_CFG_FILE    "etc/igd-opregion"

/* The device that handed it: fw_cfg takes it once, for QEMU's lifetime. */
static char *opregion_holder;

bool igd_opregion_available(DeviceState *dev, Error **errp)
{
    if (opregion_holder && !xen_enabled() && fw_cfg_find()) {
        error_setg(errp, "a VM has one Intel GPU: firmware takes one IGD OpRegion (fw_cfg "
                   "%s), and %s has it; remove one of the two devices",
                   OPREGION_FW_CFG_FILE, opregion_holder);
        return false;
    }
    return true;
}

bool igd_opregion_hand_to_firmware(DeviceState *dev, uint8_t *opregion)
{
    FWCfgState *fw_cfg = fw_cfg_find();

    if (!fw_cfg) {
        warn_report("no fw_cfg to hand the OpRegion to firmware; the guest will guess "
                    "its display ports without a VBT");
        return false;
    }
    fw_cfg_add_file(fw_cfg, OPREGION_FW_CFG_FILE, opregion, VGPU_OPREGION_SIZE);
    opregion_holder = g_strdup_printf("%s%s%s", object_get_typename(OBJECT(dev)),
                                      dev->id ? " " : "", dev->id ? dev->id : "");
    return true;
}
