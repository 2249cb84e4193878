package onebottest

import "strings"

// Card templates: the real captures of reference/ark-samples (tokens and keys shortened), with
// the id and name of the sample replaced by the ones asked for. The friend card keeps NapCat's
// escaped slashes ("http:\/\/"), so a client that re-marshals the card is caught by a byte
// comparison.
const (
	friendCardSample = `{"app":"com.tencent.contact.lua","desc":"","view":"contact","bizsrc":"cardshare.cardshare","ver":"0.0.0.1","prompt":"推荐联系人：暗世现","appID":"","sourceName":"","actionData":"","actionData_A":"","sourceUrl":"","meta":{"contact":{"avatar":"http:\/\/thirdqq.qlogo.cn\/g?b=oidb&k=c9w2AbCd&kti=aHIhAbCd&s=140","nickname":"暗世现","contact":"账号：1049509241","tag":"推荐好友","tagIcon":null,"jumpUrl":"mqqapi:\/\/card\/show_pslcard?src_type=internal&source=sharecard&version=1&uin=1049509241"}},"config":{"autosize":0,"collect":1,"ctime":1752310147,"forward":0,"height":225,"reply":1,"round":1,"token":"16c6a1b2c3d4e5f61884","type":"normal","width":526},"text":"","extraApps":[],"sourceAd":"","extra":""}`
	friendSampleUin  = "1049509241"
	friendSampleName = "暗世现"

	groupCardSample = `{"app":"com.tencent.troopsharecard","config":{"ctime":1742700198,"token":"5f5c0a1b2c3d4e5f60718293a4b54355"},"meta":{"contact":{"avatar":"https://p.qlogo.cn/gh/736368697/736368697/100","contact":"111","jumpUrl":"http://qm.qq.com/cgi-bin/qm/qr?_wv=1027&k=XYXhAbCdEf&authKey=mo%2BduAbCd&noverify=0&group_code=736368697","nickname":"LR26710测试","tag":"推荐群聊","tagIcon":"https://p.qlogo.cn/gh/736368697/736368697/100"}},"prompt":"推荐群聊: LR26710测试","ver":"1.0.0.30","view":"contact"}`
	groupSampleCode = "736368697"
	groupSampleName = "LR26710测试"
)

// FriendCard is the recommend-contact card the fake returns for a user (NapCat's arkMsg).
func FriendCard(userID, nickname string) string {
	return strings.NewReplacer(friendSampleUin, userID, friendSampleName, nickname).Replace(friendCardSample)
}

// GroupCard is the recommend-group card the fake returns for a group (NapCat's arkJson, which
// NapCat follows with a "\n" that is not part of the card).
func GroupCard(groupID, name string) string {
	return strings.NewReplacer(groupSampleCode, groupID, groupSampleName, name).Replace(groupCardSample)
}
