"""The words a street administrator reads in the audit log for the structure's entries."""

from portal.core.audit import register_audit_labels
from portal.core.translations import lazy_gettext as _l

ACTIONS = {
    "community.created": _l("新建社区"), "community.updated": _l("修改社区"),
    "compound.created": _l("新建小区"), "compound.updated": _l("修改小区"),
    "building.created": _l("新建楼栋"), "building.updated": _l("修改楼栋"),
    "household.created": _l("新建房屋"), "household.updated": _l("修改房屋"),
    "households.imported": _l("导入房屋"),
    "household.member_added": _l("登记住户成员"), "household.member_removed": _l("移除住户成员"),
    "household.phone_viewed": _l("查看业主完整电话"),
    "organisation.created": _l("新建组织"), "organisation.updated": _l("修改组织"),
    "position.appointed": _l("任命职务"), "position.ended": _l("结束任职"),
    "contract.recorded": _l("登记物业服务合同"), "contract.terminated": _l("终止物业服务合同"),
    "person.created": _l("新建账号"), "person.updated": _l("修改账号"),
    "person.password_reset": _l("设置临时密码"), "person.phone_viewed": _l("查看账号完整手机号"),
}
TARGETS = {
    "Community": _l("社区"), "Compound": _l("小区"), "Building": _l("楼栋"), "Household": _l("房屋"),
    "Organisation": _l("组织"), "Position": _l("任职"), "ServiceContract": _l("物业服务合同"),
}


def register() -> None:
    register_audit_labels(ACTIONS, TARGETS)
