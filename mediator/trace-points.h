/*
 * trace-points.h - the mediator's trace points: USDT probes (provider
 * "gpumed") at the edges a workload passes, for perf and bpftrace
 * (docs/tracing.md says how to use them and what they cost).
 *
 * Off, a probe is one NOP at its site plus an ELF note naming it and where
 * its arguments are; a tracer that attaches turns the NOP into a
 * breakpoint.  The arguments are only named (registers, stack slots), not
 * computed for the probe: pass values the code has at hand anyway.
 *
 * Arguments, in order (vgpu: the vGPU's id as gpumedctl list shows it;
 * engine: 0 RCS, 1 BCS, 2 VCS, 3 VECS; desc: the guest's ELSP descriptor
 * unless said otherwise):
 *   submit(vgpu, engine, desc)                  SUBMIT element received
 *   scan(vgpu, engine, desc, verdict, bytes)    med_scan() returned (0: ok)
 *   shadow(vgpu, engine, desc, queued, ns)      shadowing ended: queued on
 *                                               the scheduler (1) or not
 *   schedule(engine, vgpu, port, parts)         the policy picked a vGPU for
 *                                               an ELSP port, with the parts
 *                                               it may run now
 *   dispatch(engine, desc0, desc1)              ELSP pair written (host
 *                                               descriptors, desc1 0: none)
 *   gpu_complete(engine, vgpu, result, gpu_ns)  a dispatch left the GPU
 *                                               (enum med_sched_result)
 *   complete(vgpu, engine, desc, event)         COMPLETE sent to the VM
 *   reset(vgpu, engine_mask, generation)        the guest reset engines
 *
 * MED_TRACE_POINTS_OFF compiles them out (to measure what they cost).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_TRACE_POINTS_H
#define GPUMED_MEDIATOR_TRACE_POINTS_H

#ifdef MED_TRACE_POINTS_OFF
#define MED_TRACE(name, ...) ((void)0)
#else
#define SDT_USE_VARIADIC 1
#include <sys/sdt.h>
#define MED_TRACE(name, ...) STAP_PROBEV(gpumed, name, __VA_ARGS__)
#endif

#endif
